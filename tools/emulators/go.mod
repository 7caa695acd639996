module github.com/resilientpay/paymentapi/tools/emulators

go 1.26.0
