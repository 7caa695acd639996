// Module boundary so that node_modules below never joins the main Go module.
module github.com/resilientpay/paymentapi/tools/node

go 1.26
