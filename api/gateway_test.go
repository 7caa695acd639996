package api

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/harness/vtl"
)

// documentedErrorVariables are the $context.error variables API Gateway
// documents for gateway response templates, with hostile values: a client
// can make API Gateway's message repeat what it sent (a header name, a
// body fragment), quotes and backslashes included.
var documentedErrorVariables = map[string]string{
	"message":               `He said "4111" \ and left \u0022 }`,
	"messageString":         `"He said \"4111\" \\ and left \\u0022 }"`,
	"responseType":          "DEFAULT_4XX",
	"validationErrorString": `[instance value ("x\"y") not found in enum]`,
}

// templateVariable matches a $variable or ${variable} reference.
var templateVariable = regexp.MustCompile(`\$!?\{?([A-Za-z][A-Za-z0-9_.]*)\}?`)

// substitute renders a gateway response template the way API Gateway
// does, by simple substitution of the documented variables; an unknown
// reference stays as written.
func substitute(tpl string, vars map[string]string) string {
	return templateVariable.ReplaceAllStringFunc(tpl, func(ref string) string {
		name := templateVariable.FindStringSubmatch(ref)[1]
		if v, ok := vars[strings.TrimPrefix(name, "context.error.")]; ok && strings.HasPrefix(name, "context.error.") {
			return v
		}
		return ref
	})
}

// TestEveryGatewayResponseIsAProblemWithItsStatus renders every gateway
// response template the API deploys, with the documented variables set to
// hostile values, both by simple substitution (what API Gateway does) and
// with the Velocity harness, and checks that each is an RFC 9457 problem
// document whose status is the status it is sent with.
func TestEveryGatewayResponseIsAProblemWithItsStatus(t *testing.T) {
	r := velocity(t)
	byType := map[string]gatewayProblem{}
	for _, gr := range gatewayProblems {
		if _, dup := byType[gr.responseType]; dup {
			t.Errorf("two gateway responses for %s", gr.responseType)
		}
		byType[gr.responseType] = gr
	}
	for typ := range GatewayResponseTypes {
		if _, ok := byType[typ]; !ok {
			t.Errorf("no gateway response for the documented type %s", typ)
		}
	}
	for _, gr := range gatewayProblems {
		t.Run(gr.responseType, func(t *testing.T) {
			if _, ok := GatewayResponseTypes[gr.responseType]; !ok {
				t.Fatalf("%s is not a documented gateway response type", gr.responseType)
			}
			// No variable but the documented ones, and none that repeats
			// client input (message, messageString, validationErrorString).
			for _, m := range templateVariable.FindAllStringSubmatch(gr.body, -1) {
				if m[1] != "context.error.responseType" {
					t.Errorf("the template reads $%s; only $context.error.responseType is safe and documented", m[1])
				}
			}
			vars := map[string]string{}
			for k, v := range documentedErrorVariables {
				vars[k] = v
			}
			vars["responseType"] = gr.responseType
			ctx := map[string]any{"error": map[string]any{}}
			for k, v := range vars {
				ctx["error"].(map[string]any)[k] = v
			}
			res, err := r.Render(vtl.Request{Template: gr.body, Context: ctx})
			if err != nil {
				t.Fatalf("Velocity: %v", err)
			}
			for engine, out := range map[string]string{"substitution": substitute(gr.body, vars), "Velocity": res.Output} {
				checkGatewayProblem(t, engine, gr, out)
			}
		})
	}
}

func checkGatewayProblem(t *testing.T, engine string, gr gatewayProblem, out string) {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Errorf("%s renders %s, not JSON: %v", engine, out, err)
		return
	}
	if typ, _ := p["type"].(string); typ == "" {
		t.Errorf("%s: the problem has no type: %s", engine, out)
	}
	if title, _ := p["title"].(string); title == "" {
		t.Errorf("%s: the problem has no title: %s", engine, out)
	}
	status, has := p["status"]
	switch {
	case gr.status == 0 && has:
		t.Errorf("%s: sent with the error's own status, the problem states %v", engine, status)
	case gr.status != 0 && status != float64(gr.status):
		t.Errorf("%s: sent with status %d, the problem says %v", engine, gr.status, status)
	}
	if strings.Contains(out, "4111") || strings.Contains(out, "He said") {
		t.Errorf("%s: the problem repeats the error message: %s", engine, out)
	}
}

// TestTheFirstAnswersAnUnsignedClientSees renders the answers an unsigned
// request, a wrongly signed one, one signed with expired credentials, a
// signer IAM refuses and an unknown route get.
func TestTheFirstAnswersAnUnsignedClientSees(t *testing.T) {
	r := velocity(t)
	tests := []struct {
		name, responseType string
		wantStatus         int
	}{
		{"an unsigned request to an IAM route", "MISSING_AUTHENTICATION_TOKEN", 403},
		{"an unknown route", "MISSING_AUTHENTICATION_TOKEN", 403},
		{"a wrongly signed request", "INVALID_SIGNATURE", 403},
		{"a request signed with expired credentials", "EXPIRED_TOKEN", 403},
		{"a signer IAM does not allow", "ACCESS_DENIED", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := slices.IndexFunc(gatewayProblems, func(g gatewayProblem) bool { return g.responseType == tt.responseType })
			if i < 0 {
				t.Fatalf("no gateway response for %s", tt.responseType)
			}
			gr := gatewayProblems[i]
			if gr.status != tt.wantStatus {
				t.Fatalf("%s is sent with %d, want %d", tt.responseType, gr.status, tt.wantStatus)
			}
			res, err := r.Render(vtl.Request{Template: gr.body, Context: map[string]any{"error": map[string]any{
				"message": `Missing Authentication Token "x"`, "messageString": `"Missing Authentication Token \"x\""`,
				"responseType": tt.responseType}}})
			if err != nil {
				t.Fatal(err)
			}
			checkGatewayProblem(t, "Velocity", gr, res.Output)
		})
	}
}
