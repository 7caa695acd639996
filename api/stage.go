package api

// StageName is the deployed stage.
const StageName = "v1"

// ExecutionLogPrefix begins the name of the log group API Gateway writes a
// stage's execution logs to: API-Gateway-Execution-Logs_<rest API id>/<stage>
// (API Gateway developer guide, "Set up CloudWatch logging for REST APIs").
const ExecutionLogPrefix = "API-Gateway-Execution-Logs_"
