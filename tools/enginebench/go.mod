module github.com/resilientpay/paymentapi/tools/enginebench

go 1.26.0

require github.com/resilientpay/paymentapi v0.0.0

require (
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/goccy/go-json v0.10.2 // indirect
	github.com/ncruces/go-strftime v0.1.9 // indirect
	github.com/shopspring/decimal v1.3.1 // indirect
	github.com/theory/jsonpath v0.12.3 // indirect
	github.com/xiatechs/jsonata-go v1.8.8 // indirect
)

replace github.com/resilientpay/paymentapi => ../..
