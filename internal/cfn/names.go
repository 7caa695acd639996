package cfn

import "fmt"

// kind says how a resource type is named and how its Ref and Fn::GetAtt
// read once deployed.
type kind struct {
	nameProperty string
	// render returns the value of Ref (attr "") or Fn::GetAtt attr of a
	// resource called name; ok is false for attributes it does not know.
	render func(env Env, name, attr string) (value string, ok bool)
}

// kinds holds the union of what the linter and the executor rendered
// before this package existed, plus the log groups, rules, buckets and
// alarms the app's templates reference.
var kinds = map[string]kind{
	LambdaFunction: {"FunctionName", func(env Env, name, attr string) (string, bool) {
		return pick(attr, map[string]string{"": name, "Arn": env.arn("lambda", "function:"+name)})
	}},
	SQSQueue: {"QueueName", func(env Env, name, attr string) (string, bool) {
		url := "https://sqs." + env.Region + "." + env.URLSuffix + "/" + env.AccountID + "/" + name
		return pick(attr, map[string]string{"": url, "QueueUrl": url, "Arn": env.arn("sqs", name), "QueueName": name})
	}},
	SNSTopic: {"TopicName", func(env Env, name, attr string) (string, bool) {
		arn := env.arn("sns", name)
		return pick(attr, map[string]string{"": arn, "TopicArn": arn, "TopicName": name})
	}},
	DynamoDBTable:   {"TableName", table},
	DynamoDBTableV2: {"TableName", table},
	StateMachine: {"StateMachineName", func(env Env, name, attr string) (string, bool) {
		arn := env.arn("states", "stateMachine:"+name)
		return pick(attr, map[string]string{"": arn, "Arn": arn, "Name": name})
	}},
	IAMRole: {"RoleName", func(env Env, name, attr string) (string, bool) {
		// IAM is global: its ARNs have no region.
		return pick(attr, map[string]string{"": name, "Arn": "arn:" + env.Partition + ":iam::" + env.AccountID + ":role/" + name})
	}},
	LogGroup: {"LogGroupName", func(env Env, name, attr string) (string, bool) {
		return pick(attr, map[string]string{"": name, "Arn": env.arn("logs", "log-group:"+name+":*")})
	}},
	EventBus: {"Name", func(env Env, name, attr string) (string, bool) {
		return pick(attr, map[string]string{"": name, "Name": name, "Arn": env.arn("events", "event-bus/"+name)})
	}},
	EventRule: {"Name", func(env Env, name, attr string) (string, bool) {
		return pick(attr, map[string]string{"": name, "Arn": env.arn("events", "rule/"+name)})
	}},
	S3Bucket: {"BucketName", func(env Env, name, attr string) (string, bool) {
		return pick(attr, map[string]string{"": name, "Arn": "arn:" + env.Partition + ":s3:::" + name})
	}},
	CloudWatchAlarm: {"AlarmName", func(env Env, name, attr string) (string, bool) {
		return pick(attr, map[string]string{"": name, "Arn": env.arn("cloudwatch", "alarm:"+name)})
	}},
}

func table(env Env, name, attr string) (string, bool) {
	return pick(attr, map[string]string{"": name, "Arn": env.arn("dynamodb", "table/"+name)})
}

func pick(attr string, values map[string]string) (string, bool) {
	v, ok := values[attr]
	return v, ok
}

// PhysicalNames resolves references to t's resources as they would read
// once deployed in env: Ref and Fn::GetAtt of Lambda functions, SQS
// queues (URL, Arn, QueueName), SNS topics, DynamoDB tables, state
// machines, IAM roles, log groups, EventBridge buses and rules, S3 buckets
// and CloudWatch alarms, named by their literal name property
// (FunctionName, QueueName, ...) or else by their logical id. A Ref of a
// parameter gives its Default. It does not answer other types, other
// attributes, or ids that are not in t.
func PhysicalNames(t *Template, env Env) Resolver {
	env = env.withDefaults()
	return func(ref Ref) (string, bool) {
		if p, ok := t.Parameters[ref.LogicalID]; ok && ref.Attribute == "" {
			s, err := toString(p.Default, "")
			return s, err == nil && p.Default != nil
		}
		r, ok := t.Resources[ref.LogicalID]
		if !ok {
			return "", false
		}
		k, ok := kinds[r.Type]
		if !ok || k.render == nil {
			return "", false
		}
		name := r.Name()
		if name == "" {
			name = r.LogicalID
		}
		return k.render(env, name, ref.Attribute)
	}
}

// Token is a reference that a [Placeholders] resolver replaced, with the
// type of the resource it names ("" when t has no such resource).
type Token struct {
	Ref
	ResourceType string
}

// Placeholders resolves every reference, so that evaluation never fails
// on a resource: as [PhysicalNames] when it can (ARN-shaped placeholders
// such as arn:aws:lambda:us-east-1:123456789012:function:validate-dev),
// else "${Token[X]}" or "${Token[X.Attr]}". Each value it gives is
// recorded in tokens (when not nil) with the reference it replaced, so
// that a caller can map a placeholder found in the evaluated text back to
// the resource. It is the linter's resolver: evaluation with it fails only
// on intrinsics the evaluator does not know.
func Placeholders(t *Template, env Env, tokens map[string]Token) Resolver {
	names := PhysicalNames(t, env)
	return func(ref Ref) (string, bool) {
		v, ok := names(ref)
		if !ok {
			v = fmt.Sprintf("${Token[%s]}", ref)
		}
		if tokens != nil {
			var typ string
			if r, ok := t.Resources[ref.LogicalID]; ok {
				typ = r.Type
			}
			tokens[v] = Token{Ref: ref, ResourceType: typ}
		}
		return v, true
	}
}
