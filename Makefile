# Entry points; the build itself is CMake. See README.md.
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all run test deps test-deps clean

all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	scripts/install-deps.sh run

test-deps:
	scripts/install-deps.sh test

run: deps all
	./$(BUILD)/parley

# Every test: unit tests, fuzzers for a bounded time, browser end-to-end with the
# release build and again with AddressSanitizer + UBSan.
test: test-deps
	tests/run-all.sh

clean:
	rm -rf build build-asan build-fuzz
