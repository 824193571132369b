# Thin wrapper over CMake. `make run` and `make test` install what is missing first.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
PORT ?= 8123
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-unit node-deps demo format format-check tidy docker clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	$(BUILD)/bin/cloud-tasks-emulator --port $(PORT) --config fixtures/queues.json

demo: build
	tools/demo.sh

node-deps: deps
	@cd tests/node && if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund --loglevel=error; fi

test: build node-deps
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

format:
	git ls-files --cached --others --exclude-standard '*.cc' '*.h' | xargs clang-format -i

format-check:
	@if command -v clang-format >/dev/null; then \
	  git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror; \
	else echo "clang-format is not installed: format check skipped"; fi

tidy: build
	git ls-files 'emulator/*.cc' | xargs clang-tidy -p $(BUILD) --quiet \
	  --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1

docker:
	docker build -t cloud-tasks-emulator .

clean:
	rm -rf $(BUILD)
