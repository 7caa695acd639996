package cost

// List prices in us-east-1 (US East, N. Virginia), on-demand, without free
// tiers or volume discounts beyond the first tier. Each was checked on
// 2026-12-02 against the page named next to it (the AWS pricing pages
// render most rates client-side; where their text did not show the number,
// the corroborating page that quotes it is named too). Update the date
// when a price is checked again.
const (
	// API Gateway REST API calls, first 333 million a month: $3.50 per
	// million. aws.amazon.com/api-gateway/pricing; the rate table is quoted
	// in docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html
	// (2026-12-02).
	APIGatewayRESTPerMillion = 3.50

	// AWS WAF: $5.00 per web ACL per month, $1.00 per rule (a managed rule
	// group counts as one rule) per month, $0.60 per million requests.
	// aws.amazon.com/waf/pricing; quoted in c3x.dev/blog/aws-waf-cost-explained
	// and awsnegotiations.com/waf-pricing-strategy.html (2026-12-02).
	WAFWebACLPerMonth     = 5.00
	WAFRulePerMonth       = 1.00
	WAFRequestsPerMillion = 0.60

	// Step Functions Express: $1.00 per million requests and $0.00001667
	// per GB-second ($0.06 per GB-hour, first 1,000 GB-hours), duration
	// rounded up to 100 ms, memory billed in 64 MB chunks (50 MB + the
	// definition + the execution data). Standard: $0.025 per 1,000 state
	// transitions. aws.amazon.com/step-functions/pricing (2026-12-02).
	ExpressRequestsPerMillion = 1.00
	ExpressPerGBSecond        = 0.00001667
	ExpressBillingStepMs      = 100
	ExpressMemoryChunkMB      = 64
	ExpressBaseMemoryMB       = 50
	StandardPerTransition     = 0.025 / 1000

	// Lambda on arm64: $0.20 per million requests and $0.0000133334 per
	// GB-second (first 7.5 billion GB-seconds), duration rounded up to
	// 1 ms. aws.amazon.com/lambda/pricing; the arm64 tier table is quoted
	// in cloudchipr.com/blog/aws-lambda-pricing (2026-12-02).
	LambdaRequestsPerMillion = 0.20
	LambdaArmPerGBSecond     = 0.0000133334

	// DynamoDB on-demand: $0.625 per million write request units, $0.125
	// per million read request units. aws.amazon.com/dynamodb/pricing/on-demand;
	// quoted in airbyte.com/data-engineering-resources/dynamodb-pricing
	// (2026-12-02).
	DynamoDBPerMillionWRU = 0.625
	DynamoDBPerMillionRRU = 0.125
	// Storage: $0.25 per GB-month (each item counts 100 bytes more for
	// its index), continuous backups (PITR) $0.20 per GB-month of table.
	// aws.amazon.com/dynamodb/pricing/on-demand (2026-12-02).
	DynamoDBStoragePerGBMonth = 0.25
	DynamoDBPITRPerGBMonth    = 0.20
	DynamoDBItemOverhead      = 100

	// SQS standard queues: $0.40 per million requests (each 64 KB chunk
	// of a payload is a request). aws.amazon.com/sqs/pricing; quoted in
	// cloudburn.io/blog/amazon-sqs-pricing (2026-12-02).
	SQSRequestsPerMillion = 0.40

	// CloudWatch Logs: ingestion $0.50 per GB (standard class, and the
	// first tier of vended logs: Lambda, Step Functions, WAF, API
	// Gateway), storage $0.03 per GB-month of compressed (archived) data.
	// Alarms $0.10 per standard-resolution alarm metric per month,
	// dashboards $3.00 per month. aws.amazon.com/cloudwatch/pricing;
	// quoted in factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards
	// and cloudburn.io/blog/amazon-cloudwatch-pricing (2026-12-02).
	LogsIngestionPerGB    = 0.50
	LogsStoragePerGBMonth = 0.03
	AlarmMetricPerMonth   = 0.10
	DashboardPerMonth     = 3.00

	// X-Ray: $5.00 per million traces recorded. aws.amazon.com/xray/pricing
	// (the German and Chinese pages' text: 0.000005 USD per trace)
	// (2026-12-02).
	XRayTracesPerMillion = 5.00

	// KMS: $1.00 per customer managed key per month (each rotation adds
	// $1.00 a month for the first two), $0.03 per 10,000 requests.
	// aws.amazon.com/kms/pricing (2026-12-02).
	KMSKeyPerMonth = 1.00
	KMSPerRequest  = 0.03 / 10000
)

// Units and calendar.
const (
	million        = 1e6
	gb             = 1 << 30
	secondsInMonth = 30 * 24 * 3600
)
