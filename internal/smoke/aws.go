package smoke

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// stackDescriber reads a stack's outputs.
type stackDescriber interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// executionLister lists a state machine's executions.
type executionLister interface {
	ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, opts ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
}

// alarmDescriber lists alarms by state.
type alarmDescriber interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

var (
	_ stackDescriber  = (*cloudformation.Client)(nil)
	_ executionLister = (*sfn.Client)(nil)
	_ alarmDescriber  = (*cloudwatch.Client)(nil)
)

// StackOutputs are the outputs of the deployed stack that the walk needs
// (app/paymentstack: ApiUrl, RecoveryWorkflowArn).
type StackOutputs struct {
	APIURL, RecoveryWorkflowArn string
}

// ReadStackOutputs reads the stack's outputs with DescribeStacks.
func ReadStackOutputs(ctx context.Context, cf stackDescriber, stackName string) (StackOutputs, error) {
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackName)})
	if err != nil {
		return StackOutputs{}, fmt.Errorf("reading stack %s: %w", stackName, err)
	}
	if len(out.Stacks) != 1 {
		return StackOutputs{}, fmt.Errorf("stack %s: DescribeStacks returned %d stacks", stackName, len(out.Stacks))
	}
	var o StackOutputs
	for _, op := range out.Stacks[0].Outputs {
		switch aws.ToString(op.OutputKey) {
		case "ApiUrl":
			o.APIURL = aws.ToString(op.OutputValue)
		case "RecoveryWorkflowArn":
			o.RecoveryWorkflowArn = aws.ToString(op.OutputValue)
		}
	}
	if o.APIURL == "" {
		return o, fmt.Errorf("stack %s (%s) has no ApiUrl output: is it deployed from this app?", stackName, out.Stacks[0].StackStatus)
	}
	return o, nil
}

// AWSPlatform reads the deployed platform's state: the recovery state
// machine's executions and the stack's alarms (named <type>-<suffix>).
type AWSPlatform struct {
	SFN                 executionLister
	CloudWatch          alarmDescriber
	RecoveryWorkflowArn string
	// Suffix is the environment suffix: the stack's alarms are the ones
	// whose names end in "-<suffix>".
	Suffix string
}

// LastRecovery returns the newest execution of the recovery workflow.
func (p AWSPlatform) LastRecovery(ctx context.Context) (string, time.Time, error) {
	if p.RecoveryWorkflowArn == "" {
		return "", time.Time{}, errors.New("no RecoveryWorkflowArn output")
	}
	out, err := p.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(p.RecoveryWorkflowArn), MaxResults: 1})
	if err != nil {
		return "", time.Time{}, err
	}
	if len(out.Executions) == 0 {
		return "", time.Time{}, nil
	}
	e := out.Executions[0] // ListExecutions lists the newest first
	return string(e.Status), aws.ToTime(e.StartDate), nil
}

// AlarmsInAlarm returns the stack's alarms in ALARM, metric and composite.
func (p AWSPlatform) AlarmsInAlarm(ctx context.Context) ([]string, error) {
	var names []string
	in := &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm,
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}}
	for pages := 0; pages < 50; pages++ {
		out, err := p.CloudWatch.DescribeAlarms(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, a := range out.MetricAlarms {
			names = append(names, aws.ToString(a.AlarmName))
		}
		for _, a := range out.CompositeAlarms {
			names = append(names, aws.ToString(a.AlarmName))
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	mine := names[:0]
	for _, n := range names {
		if strings.HasSuffix(n, "-"+p.Suffix) {
			mine = append(mine, n)
		}
	}
	sort.Strings(mine)
	return mine, nil
}
