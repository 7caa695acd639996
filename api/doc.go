// Package api is what the payment platform's REST API answers, without
// the CDK: the request and response mapping templates of POST /payments
// (and their Go twins, which the local runner serves), the gateway
// responses, the checks API Gateway makes before a request reaches the
// workflow, and the caller identity. The construct that deploys the API
// is api/restapi.
package api
