# mailward: the two commands a new machine needs are `make run` and `make test`.
# `make` alone builds the optimized binary at build/mailward.

.PHONY: all build deps run test test-dev test-asan fuzz fuzz-campaign bench clean format

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release
	@ln -sf release/mailward build/mailward

run: build
	./build/mailward scan examples/ ; test $$? -le 1

test: deps test-dev test-asan

test-dev:
	cmake --workflow --preset dev

test-asan:
	cmake --workflow --preset asan

fuzz: deps
	cmake --preset fuzz && cmake --build --preset fuzz

# Every fuzz target for FUZZ_TIME seconds or FUZZ_RUNS executions (tools/fuzz_campaign.sh).
fuzz-campaign: deps
	sh tools/fuzz_campaign.sh

bench: deps
	@cmake --preset bench >/dev/null && cmake --build --preset bench
	sh bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
