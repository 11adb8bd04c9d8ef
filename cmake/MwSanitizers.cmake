# MW_SANITIZE=address,undefined adds the sanitizers to compile and link (STYLE.md 7.8).
if(MW_SANITIZE)
  add_compile_options(-fsanitize=${MW_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${MW_SANITIZE} -fno-sanitize-recover=all)
endif()
