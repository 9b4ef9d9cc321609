# Set-up and everyday commands. `make run` and `make test` each install what they need first.
# chromium: the headless browser the site's tests load every page in (Tests/SiteTests, Docs/Site.md).
SYSTEM_PACKAGES := libgmp-dev libmpfr-dev libmpfi-dev libopenblas-dev zlib1g-dev dataset-fashion-mnist pkg-config chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CERTIFY := .build/release/certify

.PHONY: deps python-deps build run test bench docs site clean

# Installs the Debian packages Certify links against (and the Fashion-MNIST data set), if missing.
deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; $(SUDO) apt-get update && $(SUDO) apt-get install -y $$missing; \
	else echo "system packages: present"; fi

# Python packages the tests compare against: NumPy, JAX (the gradient enclosures are checked
# against its float64 gradient, scripts/compare-enclosures-jax.py), and onnx and ONNX Runtime (ONNX
# in and out, scripts/onnx_interop.py). Installed with pip if missing.
PYTHON_PACKAGES := numpy jax onnx onnxruntime
python-deps:
	@python3 -c 'import numpy, jax, onnx, onnxruntime' 2>/dev/null && echo "python packages: present" || python3 -m pip install --quiet $(PYTHON_PACKAGES)

build: deps
	swift build -c release --product certify

# The main job on the bundled defaults: prove the catalogue for every size, replay every
# certificate through the kernel with the independent numeric check, a short certified training
# run on Fashion-MNIST (the model is refused unless its rules' certificates replay), then sound
# audits of the trained network: certified robustness by IBP and CROWN over the 10,000 test images,
# and the Float32 gradient of a batch of 128 against its exact value enclosed in MPFI.
run: build
	$(CERTIFY) prove --all
	$(CERTIFY) check
	$(CERTIFY) train --model Models/mlp.spec --epochs 2 --batch 128 --lr 0.05 --optimizer sgd --seed 1 --out .build/mlp.ckpt
	$(CERTIFY) evaluate .build/mlp.ckpt
	$(CERTIFY) audit robustness --model .build/mlp.ckpt --eps 0.003,0.01,0.02 --plot .build/robustness.svg
	$(CERTIFY) audit gradients --model .build/mlp.ckpt --batch 128

# The documents' Swift examples are current copies (the suite compiles them), the whole test
# suite, then: the checked-in certificates and catalogue are what `certify prove
# --all` produces, and every certificate replays through the kernel; ONNX models trained in JAX
# and Certify's exports are checked against ONNX Runtime; then the client packages of Examples/
# are built against this checkout and run (the public API's contract tests).
test: deps python-deps
	@# Only the kernel's own tests may reach its internals (Docs/Semantics.md, "The build").
	@! grep -rln '@testable import ProofKernel' Sources Tests --include='*.swift' | grep -v '^Tests/ProofKernelTests/'
	scripts/check-doc-examples --check
	@# `swift test` builds every product, certify included; `swift build --product certify` after it
	@# would build the whole package again without testability.
	swift test
	.build/debug/certify prove --all --check
	.build/debug/certify check
	python3 scripts/onnx_interop.py --certify .build/debug/certify --work .build/onnx-interop
	scripts/run-examples

# Checks that take minutes, outside `make test`: the residual ONNX networks of
# scripts/onnx_residual.py (trained in JAX, checked against ONNX Runtime and a complete method; about
# 9 minutes of CPU, Docs/ONNX.md). `--build-tests` builds certify as `swift test` does, so the two
# targets share one build.
test-long: deps python-deps
	swift build --build-tests
	python3 scripts/onnx_residual.py --certify .build/debug/certify --work .build/onnx-residual

# The proof explorer: every statement, its proof step by step, the models (Docs/Site.md). Open
# .build/site/index.html in a browser; no server is needed.
site: build
	$(CERTIFY) site --out .build/site

bench: deps
	scripts/bench-exact
	scripts/bench-engine
	scripts/bench-train
	scripts/bench-audit
	scripts/bench-site

# The API documentation of the library products, from their DocC catalogs (Sources/*/*.docc), as a
# static site in .build/docs/<Module>/ (open index.html through a web server, or see Docs/README.md).
DOC_MODULES := Train Audit Algebra Certificates
docs: deps
	@mkdir -p .build/docs
	@for m in $(DOC_MODULES); do \
	  swift package --allow-writing-to-directory .build/docs generate-documentation --target $$m \
	    --output-path .build/docs/$$m --transform-for-static-hosting --hosting-base-path $$m || exit 1; \
	done
	@echo "documentation: .build/docs/{$$(echo $(DOC_MODULES) | tr ' ' ',')}/"

clean:
	rm -rf .build
