# Thin wrapper over CMake. `make run` and `make test` install what is missing first.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
PORT ?= 8123
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-deps test-unit test-crash test-sanitize fuzz node-deps demo experiment bench format format-check tidy docker docker-test clean

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

# A load and retry experiment (docs/experiments.md): 10,000 image jobs in a minute, simulated;
# prints the figures and where the report is. SCENARIO=... runs another, OUT=... writes elsewhere.
SCENARIO ?= fixtures/experiments/image-burst.json
OUT ?= runs/$(basename $(notdir $(SCENARIO)))
experiment: build
	@tools/install-deps.sh tools/apt-packages-report.txt
	$(BUILD)/bin/cloud-tasks experiment run $(SCENARIO) --out $(OUT)

# Everything built with AddressSanitizer and UndefinedBehaviorSanitizer; unit and integration tests.
# -O0 -g1 builds in half the time of -O1 -g (line numbers still in the reports).
SANITIZE_BUILD ?= build-asan
test-sanitize: deps node-deps test-deps
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
	  -DCTE_SANITIZE=address,undefined $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -L "unit|integration"

# libFuzzer targets (clang, ASan + UBSan) over the JSON mapping, names, times and routing, each
# run FUZZ_SECONDS from its seed corpus in fuzz/corpus/ (new inputs go to build-fuzz/corpus/).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = time names json routing
fuzz: deps
	@tools/install-deps.sh tools/apt-packages-fuzz.txt
	CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
	  -DCTE_FUZZ=ON -DCTE_SANITIZE=address,undefined -DCTE_TCMALLOC=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes && \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s" && \
	  ASAN_OPTIONS=detect_leaks=1 $(FUZZ_BUILD)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- \
	    $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t 2>$(FUZZ_BUILD)/fuzz_$$t.log || \
	    { tail -60 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" $(FUZZ_BUILD)/fuzz_$$t.log; \
	done

# Release build of the two binaries, then bench/run.py against them (wrk and h2load as load).
BENCH_BUILD ?= build-release
BENCH_FLAGS ?=
bench: deps
	@tools/install-deps.sh tools/apt-packages-bench.txt
	@tools/install-deps.sh tools/apt-packages-report.txt
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BENCH_BUILD) -j$(JOBS) --target cloud-tasks-emulator cloud-tasks-worker \
	  cloud-tasks-experiment
	python3 bench/run.py --emulator $(BENCH_BUILD)/bin/cloud-tasks-emulator \
	  --worker $(BENCH_BUILD)/bin/cloud-tasks-worker $(BENCH_FLAGS)

node-deps: deps
	@tools/install-deps.sh --node
	@for dir in client/node tests/node; do (cd $$dir && \
	  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	    npm ci --no-audit --no-fund --loglevel=error; fi) || exit 1; done

# What the tests need beyond the build: the report's matplotlib and the browser of its test.
test-deps:
	@tools/install-deps.sh tools/apt-packages-report.txt tools/apt-packages-test.txt

test: build node-deps test-deps
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The crash loop in full: 20 SIGKILLs under load (make test runs it with 5). CRASH_SEED repeats a run.
CRASH_KILLS ?= 20
test-crash: build
	CTE_EMULATOR_BIN=$(BUILD)/bin/cloud-tasks-emulator CTE_CRASH_KILLS=$(CRASH_KILLS) \
	  $(if $(CRASH_SEED),CTE_CRASH_SEED=$(CRASH_SEED)) \
	  python3 -m unittest discover -s tests/python -p crash_test.py -v

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

# The image (docs/docker.md). docker-test also makes a Docker engine and the base images when
# missing (tools/docker/), and tests the image end to end against a worker on this machine.
docker:
	python3 tools/fetch_npm_package.py ui/package-lock.json uplot ui/node_modules
	docker build -t cloud-tasks-emulator .

docker-test: build
	@tools/install-deps.sh tools/apt-packages-docker.txt
	tests/docker/docker_test.sh $(BUILD)

clean:
	rm -rf $(BUILD)
