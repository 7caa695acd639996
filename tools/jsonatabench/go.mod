// A module of its own, so that goja and node_modules stay out of the main
// Go module: nothing in the build or the tests of the project needs them.
module github.com/resilientpay/paymentapi/tools/jsonatabench

go 1.26.0

require (
	github.com/dop251/goja v0.0.0-20260311135729-065cd970411c
	github.com/xiatechs/jsonata-go v1.8.8
)

require (
	github.com/dlclark/regexp2 v1.11.4 // indirect
	github.com/go-sourcemap/sourcemap v2.1.3+incompatible // indirect
	github.com/goccy/go-json v0.10.2 // indirect
	github.com/google/pprof v0.0.0-20230207041349-798e818bf904 // indirect
	github.com/ncruces/go-strftime v0.1.9 // indirect
	github.com/shopspring/decimal v1.3.1 // indirect
	golang.org/x/text v0.3.8 // indirect
)
