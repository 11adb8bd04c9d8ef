/* core/fx_base_bad.h: fixture. */
