# Set-up and everyday commands. `make run` and `make test` each install what they need first.
SYSTEM_PACKAGES := libgmp-dev libmpfr-dev libmpfi-dev libopenblas-dev zlib1g-dev dataset-fashion-mnist pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test bench clean

# Installs the Debian packages Certify links against (and the Fashion-MNIST data set), if missing.
deps:
	@if ! dpkg-query -W -f='$${Status}\n' $(SYSTEM_PACKAGES) 2>/dev/null | grep -qv 'install ok installed' \
	    && [ "$$(dpkg-query -W -f='$${Status}\n' $(SYSTEM_PACKAGES) 2>/dev/null | wc -l)" = "$(words $(SYSTEM_PACKAGES))" ]; then \
	  echo "system packages: present"; \
	else \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y $(SYSTEM_PACKAGES); \
	fi

build: deps
	swift build -c release --product certify

# The main job on the bundled defaults (grows with the project: prove, check, train, audit).
run: build
	.build/release/certify --version
	.build/release/certify --help

test: deps
	swift test

bench: deps
	scripts/bench-exact

clean:
	rm -rf .build
