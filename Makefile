# The commands the README tells people to run. `make help` lists them.
SUFFIX ?= dev
CDK_DIR := tools/cdk
CDK := $(CDK_DIR)/node_modules/.bin/cdk
CDK_EXTRA ?=
CDK_FLAGS := -c environmentSuffix=$(SUFFIX) $(CDK_EXTRA)
export CDK_DISABLE_CLI_TELEMETRY := true

# The CDK (the jsii kernel and the CLI) runs on Node 22 or later. When the
# machine's node is older, the one pinned in tools/node (Node's official
# binaries as npm packages, from its lock file) goes first on PATH and is
# jsii's JSII_NODE, for every target; `go test` finds it the same way
# without make (internal/harness/npmproject).
NODE_DIR := tools/node
NODE_MIN := 22
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
ifeq ($(shell test "0$(SYSTEM_NODE_MAJOR)" -ge $(NODE_MIN) 2>/dev/null && echo ok),ok)
NODE :=
else
NODE := $(CURDIR)/$(NODE_DIR)/node_modules/.bin/node
export PATH := $(CURDIR)/$(NODE_DIR)/node_modules/.bin:$(PATH)
export JSII_NODE := $(NODE)
endif

.PHONY: help synth deploy diff destroy test lint tools fmt vet cost node

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: run bench-local
LOCALRUN := $${TMPDIR:-/tmp}/paymentapi-localrun
# go build -v names each package it compiles: on a fresh clone (hundreds of
# packages, minutes) one line counts them; a warm build prints nothing. The
# awk script exits with go build's status.
run: $(NODE) ## Run the payment API on 127.0.0.1:8080 with emulators, no AWS account (ARGS="-history -recovery-interval 30s")
	@echo "localrun: building (on a fresh clone this compiles the CDK modules first: a few minutes)"
	@total=$$(go list -deps ./cmd/localrun 2>/dev/null | wc -l); \
	{ go build -v -o "$(LOCALRUN)" ./cmd/localrun 2>&1; echo "exit $$?"; } | awk -v total="$$total" '\
	  /^exit [0-9]+$$/ { if (line) printf "\n"; exit $$2 } \
	  /^[^ :]+$$/ { n++; line = 1; printf "\r  compiled %d of %d packages: %-48.48s", n, total, $$0; fflush(); next } \
	  { if (line) printf "\n"; line = 0; print }'
	"$(LOCALRUN)" $(ARGS)

bench-local: $(NODE) ## Measure POST /payments against the local runner with DynamoDB Local, then with an in-memory store: req/s, p50, p99 (LOAD=2000 CONCURRENCY=16)
	go build -o "$(LOCALRUN)" ./cmd/localrun
	"$(LOCALRUN)" -load $(or $(LOAD),2000) -concurrency $(or $(CONCURRENCY),16)
	"$(LOCALRUN)" -load $(or $(LOAD),2000) -concurrency $(or $(CONCURRENCY),16) -memory-store

.PHONY: bench-engines
bench-engines: ## Run the same cases on aslrun and on aws-local-stepfunctions (Node 22, installed on first use): exec/s, CPU and RSS, ratio (ARGS="-run pay- -measure 2s")
	cd tools/enginebench && go run . $(ARGS)

$(CDK): $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json $(NODE)
	npm ci --prefix $(CDK_DIR) --no-audit --no-fund
	@touch $(CDK)

ifneq ($(NODE),)
$(NODE): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@echo "node $$(node --version 2>/dev/null || echo missing) is older than $(NODE_MIN): installing the Node pinned in $(NODE_DIR)"
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error
	@touch $(NODE)
endif

node: $(NODE) ## Show the Node the CDK runs on (installs tools/node when the machine's node is older than 22)
	@echo "CDK Node: $$(command -v node) $$(node --version)"

tools: $(CDK) ## Install the pinned CDK CLI (tools/cdk) and, if needed, Node 22 (tools/node) from their lock files

# CDK's built-in template validation (resource schemas, default rules) is
# most of a synthesis (~8 s of CPU): make test validates the real synthesis
# and make deploy/diff validate what they compare or deploy; make synth
# skips it unless VALIDATE=1.
synth: $(CDK) ## Synthesize the stack into cdk.out/ (no AWS credentials needed); SUFFIX=dev, VALIDATE=1 also validates the template
	$(CDK) synth $(CDK_FLAGS) --quiet $(if $(VALIDATE),,--no-validation)
	@echo "cdk.out/ written for suffix $(SUFFIX): $$(ls cdk.out/*.template.json)"

diff: $(CDK) ## Compare the stack with what is deployed (needs AWS credentials); SUFFIX=dev
	$(CDK) diff $(CDK_FLAGS)

deploy: $(CDK) ## Deploy to us-east-1 (needs AWS credentials and a bootstrapped account); SUFFIX=dev
	$(CDK) deploy $(CDK_FLAGS) --require-approval broadening

# The destroy guard counts the environment's payments, parked payments and
# queued messages and stops the destroy while any exist, unless FORCE=1.
# cdk destroy synthesizes the app only to find the stack and deploys
# nothing: the placeholder topic satisfies the alarm subscriber rule
# (config.go) for suffixes deployed with a subscriber given on the command line.
DESTROY_SUBSCRIBER := -c alarmTopicArn=arn:aws:sns:us-east-1:000000000000:destroy-deploys-nothing
destroy: $(CDK) ## Delete every resource of the stack once the destroy guard finds no payment to lose (FORCE=1 destroys regardless; TABLE=<restored table> after a cutover); SUFFIX=dev
	go run ./cmd/destroyguard -suffix $(SUFFIX) $(if $(TABLE),-table $(TABLE)) $(if $(filter 1,$(FORCE)),-force)
	$(CDK) destroy $(CDK_FLAGS) $(DESTROY_SUBSCRIBER) --force

.PHONY: restore import-table
restore: ## Restore the table to TIME (default: latest) into a new table, verify it, print the report and next commands; switches nothing (SUFFIX=dev TIME=2026-12-07T10:00:00Z ARGS=)
	go run ./cmd/restore -suffix $(SUFFIX) $(if $(TIME),-time $(TIME)) $(ARGS)

# cdk import --force imports only the table the context adds (the other
# changes are left for `make deploy`); the mapping names its logical id.
import-table: $(CDK) ## Adopt a restored table into the stack (cdk import) before make deploy switches to it (SUFFIX=dev TABLE=transactions-table-dev-r...)
	@test -n "$(TABLE)" || { echo "import-table: TABLE=<restored table> is required"; exit 1; }
	mapping=$$(go run ./cmd/restore -suffix $(SUFFIX) -import-mapping $(TABLE)) && \
	  $(CDK) import $(CDK_FLAGS) -c transactionsTable=$(TABLE) --force --resource-mapping-inline "$$mapping"

.PHONY: smoke
smoke: ## Walk the deployed stack with signed requests (default AWS credentials; SUFFIX=dev) and report as a table; LOCAL=1 walks `make run` instead
	go run ./cmd/smoke -suffix $(SUFFIX) $(if $(LOCAL),-local)

cost: $(NODE) ## Price a payment per path (table, fixed monthly cost, happy path per 1M) from the synthesized template and measured local runs; offline
	go run ./cmd/cost

# The emulators start once for the run (cmd/emulators) and every test
# binary shares them; plain `go test ./...` also works, each binary then
# starting its own. -ldflags=-w leaves DWARF out of the test binaries:
# linking the CDK-linked ones (~140 MB each) takes 40% less CPU. The two
# longest packages go first, and four test binaries run at once: the
# end-to-end tests (test/e2e) mostly wait on the platform's scaled clocks
# and the template tests (test) on the jsii kernel, so the other packages
# run beside them instead of before them (docs/testing.md).
test: $(NODE) ## Run every test: unit, template, lint of the workflows, integration against emulators
	go run ./cmd/emulators go test -p 4 -ldflags=-w ./test/e2e ./test ./...

vet: ## go vet and gofmt check
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
