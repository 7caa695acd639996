package payment_test

import (
	"errors"
	"fmt"

	"github.com/resilientpay/paymentapi/tasks/payment"
)

func ExampleParseRequest() {
	p, err := payment.ParseRequest("AIDAJQABLZS4A3QDU576Q", "order-1001", []byte(`{
		"amount": 1999,
		"currency": "EUR",
		"source": "tok_4xZq81LmXw93Kd02",
		"merchant_id": "shop-7",
		"metadata": {"order": "1001"}
	}`))
	fmt.Println(p.ID, p.Amount, p.Currency, err)

	_, err = payment.ParseRequest("AIDAJQABLZS4A3QDU576Q", "order-1002", []byte(`{"amount": 1.5, "currency": "eur", "colour": "red"}`))
	var e *payment.Error
	if errors.As(err, &e) {
		fmt.Println(e.Name, e.Problem.Status)
		for _, f := range e.Problem.Errors {
			fmt.Printf("  %s: %s\n", f.Field, f.Detail)
		}
	}
	// Output:
	// pay_gc5iph2opvrpv6zoqdqpftati5 1999 EUR <nil>
	// Payment.Invalid 400
	//   colour: is not a field of a payment request
	//   amount: must be an integer written without a fraction or an exponent
	//   currency: must be an active ISO 4217 currency code in upper case
	//   source: is required
	//   merchant_id: is required
}

func ExampleContainsCardNumber() {
	fmt.Println(payment.ContainsCardNumber("paid with 4111 1111 1111 1111"))
	fmt.Println(payment.ContainsCardNumber("order 1234-5678"))
	// Output:
	// true
	// false
}
