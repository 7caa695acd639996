package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/smoke"
	"github.com/resilientpay/paymentapi/localrun"
)

// otherSigner is a second local principal, an assumed role, for the
// tests that tell callers apart by their signatures.
var otherSigner = localrun.Credential{AccessKeyID: "AKIALOCALCHECKOUT001", SecretAccessKey: "checkout-local-secret",
	UserArn: "arn:aws:sts::" + awsenv.LocalAccount + ":assumed-role/checkout-service/i-0abc"}

// sendSigned sends a request signed with c (SigV4, execute-api, the API's
// region) at time at.
func (e *e2e) sendSigned(t *testing.T, c localrun.Credential, at time.Time, method, path string, header map[string]string, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "execute-api", awsenv.Region, at); err != nil {
		t.Fatal(err)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// checkGatewayProblem asserts an answer is API Gateway's own 403 problem of
// responseType, as the deployed gateway responses render it.
func checkGatewayProblem(t *testing.T, rp reply, responseType string) {
	t.Helper()
	if rp.status != http.StatusForbidden || rp.header.Get("Content-Type") != api.ProblemContentType {
		t.Fatalf("answer %d %s: %s, want 403 %s", rp.status, rp.header.Get("Content-Type"), rp.body, api.ProblemContentType)
	}
	var p map[string]any
	if err := json.Unmarshal(rp.body, &p); err != nil || p["status"] != float64(403) || p["type"] == nil {
		t.Fatalf("answer is not a 403 problem document: %s", rp.body)
	}
	if _, want, ok := api.GatewayProblem(responseType); ok && string(rp.body) != want {
		t.Errorf("body = %s, want the %s gateway response %s", rp.body, responseType, want)
	}
	if bytes.Contains(rp.body, []byte("sigv4")) {
		t.Errorf("the answer says why the signature failed: %s", rp.body)
	}
}

func TestLocalAPIAuthenticatesLikeTheDeployedOne(t *testing.T) {
	t.Parallel()
	e := startLocal(t, func(c *localrun.Config) {
		c.RequireSignature = true
		c.Credentials = []localrun.Credential{otherSigner}
	})
	const body = `{"amount":1250,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123"}`
	h := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "sigv4-1"}
	now := time.Now()

	created := e.sendSigned(t, localrun.DefaultCredential, now, http.MethodPost, "/payments", h, body)
	if created.status != http.StatusCreated {
		t.Fatalf("signed POST: %d %s", created.status, created.body)
	}
	id := created.json(t)["id"].(string)

	t.Run("the signer owns the payment: it reads it, another signer gets 404", func(t *testing.T) {
		if rp := e.sendSigned(t, localrun.DefaultCredential, now, http.MethodGet, "/payments/"+id, nil, ""); rp.status != http.StatusOK {
			t.Errorf("the signer's GET: %d %s", rp.status, rp.body)
		}
		if rp := e.sendSigned(t, otherSigner, now, http.MethodGet, "/payments/"+id, nil, ""); rp.status != http.StatusNotFound {
			t.Errorf("another signer's GET: %d %s", rp.status, rp.body)
		}
	})
	t.Run("the X-Local-Caller header does not change who signed", func(t *testing.T) {
		rp := e.sendSigned(t, otherSigner, now, http.MethodGet, "/payments/"+id, map[string]string{api.LocalCallerHeader: localrun.DefaultCaller}, "")
		if rp.status != http.StatusNotFound {
			t.Errorf("GET signed by another principal naming the owner in the header: %d %s", rp.status, rp.body)
		}
	})
	t.Run("the same key signed by another principal is another payment", func(t *testing.T) {
		rp := e.sendSigned(t, otherSigner, now, http.MethodPost, "/payments", h, body)
		if rp.status != http.StatusCreated || rp.json(t)["id"] == id || rp.header.Get(api.ReplayedHeader) != "" {
			t.Errorf("other principal, same key: %d %s", rp.status, rp.body)
		}
	})
	t.Run("an unsigned request is 403 MISSING_AUTHENTICATION_TOKEN", func(t *testing.T) {
		checkGatewayProblem(t, e.do(t, http.MethodPost, "/payments", h, body), "MISSING_AUTHENTICATION_TOKEN")
		checkGatewayProblem(t, e.do(t, http.MethodGet, "/payments/"+id, map[string]string{api.LocalCallerHeader: localrun.DefaultCaller}, ""), "MISSING_AUTHENTICATION_TOKEN")
	})
	t.Run("a wrongly signed request is 403 INVALID_SIGNATURE", func(t *testing.T) {
		wrong := localrun.DefaultCredential
		wrong.SecretAccessKey = "guessed"
		checkGatewayProblem(t, e.sendSigned(t, wrong, now, http.MethodPost, "/payments", h, body), "INVALID_SIGNATURE")
		checkGatewayProblem(t, e.sendSigned(t, localrun.DefaultCredential, now.Add(-10*time.Minute), http.MethodGet, "/payments/"+id, nil, ""), "INVALID_SIGNATURE")
	})
	t.Run("the public health route needs no signature", func(t *testing.T) {
		if rp := e.do(t, http.MethodGet, "/health", nil, ""); rp.status != http.StatusOK {
			t.Errorf("unsigned GET /health: %d %s", rp.status, rp.body)
		}
	})
}

// TestSmokePassesAgainstTheLocalRunner runs `make smoke`'s walk against
// an in-process local runner that checks signatures like AWS.
func TestSmokePassesAgainstTheLocalRunner(t *testing.T) {
	t.Parallel()
	if smoke.UnsignedCallerHeader != api.LocalUnsignedCallerHeader {
		t.Fatalf("smoke.UnsignedCallerHeader %q != api.LocalUnsignedCallerHeader %q", smoke.UnsignedCallerHeader, api.LocalUnsignedCallerHeader)
	}
	e := startLocal(t, func(c *localrun.Config) { c.RequireSignature = true })
	if rec := e.r.RunRecovery(context.Background()); rec == nil {
		t.Fatal("the recovery workflow did not run")
	}
	rep := smoke.Run(context.Background(), smoke.Config{
		BaseURL: e.base, Region: awsenv.Region,
		Credentials: credentials.NewStaticCredentialsProvider(awsenv.LocalAccessKeyID, awsenv.LocalSecretAccessKey, ""),
		Platform:    smoke.LocalPlatform{BaseURL: e.base, Suffix: "dev"},
	})
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	if rep.Failed() || len(rep.Checks) != 8 {
		t.Fatalf("smoke against the local runner:\n%s", out.String())
	}
	for _, c := range rep.Checks {
		if strings.Contains(c.Got, "not checked") || strings.Contains(c.Got, "none yet") {
			t.Errorf("check %q was not really made: %s", c.Name, c.Got)
		}
	}
	t.Logf("\n%s", out.String())
}
