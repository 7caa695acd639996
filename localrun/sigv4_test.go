package localrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var sigv4Now = time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)

var otherCredential = Credential{AccessKeyID: "AKIALOCALOTHERUSER01", SecretAccessKey: "other-local-secret",
	UserArn: "arn:aws:sts::000000000000:assumed-role/checkout-service/i-0abc"}

// signed builds a request signed like an AWS SDK client would.
func signed(t *testing.T, c Credential, region, service string, at time.Time, body string, edit func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080/payments?x=1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "k-1")
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	return req
}

func TestSigV4VerifierAcceptsOnlyWhatTheKnownSecretSigned(t *testing.T) {
	v := newSigV4Verifier([]Credential{DefaultCredential, otherCredential}, func() time.Time { return sigv4Now })
	const body = `{"amount":1}`
	wrong := DefaultCredential
	wrong.SecretAccessKey = "not-the-secret"
	unknown := Credential{AccessKeyID: "AKIAUNKNOWNUNKNOWN01", SecretAccessKey: "x"}
	for _, tc := range []struct {
		name     string
		req      *http.Request
		body     string
		wantArn  string // "" expects an error
		unsigned bool
	}{
		{"a request signed with the default credential is DefaultCaller's", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, nil), body, DefaultCaller, false},
		{"a request signed with another credential is its principal's", signed(t, otherCredential, "us-east-1", "execute-api", sigv4Now, body, nil), body, otherCredential.UserArn, false},
		{"a signature 4 minutes old verifies", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now.Add(-4*time.Minute), body, nil), body, DefaultCaller, false},
		{"a signature 6 minutes old is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now.Add(-6*time.Minute), body, nil), body, "", false},
		{"a signature 6 minutes ahead is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now.Add(6*time.Minute), body, nil), body, "", false},
		{"a wrong secret is refused", signed(t, wrong, "us-east-1", "execute-api", sigv4Now, body, nil), body, "", false},
		{"an unknown access key is refused", signed(t, unknown, "us-east-1", "execute-api", sigv4Now, body, nil), body, "", false},
		{"another region is refused", signed(t, DefaultCredential, "eu-west-1", "execute-api", sigv4Now, body, nil), body, "", false},
		{"another service is refused", signed(t, DefaultCredential, "us-east-1", "states", sigv4Now, body, nil), body, "", false},
		{"a changed body is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, nil), `{"amount":2}`, "", false},
		{"a changed signed header is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.Header.Set("Idempotency-Key", "k-2") }), body, "", false},
		{"a changed query is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.URL.RawQuery = "x=2" }), body, "", false},
		{"a changed method is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.Method = http.MethodPut }), body, "", false},
		{"a header added after signing does not matter", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.Header.Set("X-Extra", "1") }), body, DefaultCaller, false},
		{"a garbled Authorization header is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 nonsense") }), body, "", false},
		{"a Basic Authorization header is refused", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.Header.Set("Authorization", "Basic dTpw") }), body, "", false},
		{"a request without Authorization is unsigned", signed(t, DefaultCredential, "us-east-1", "execute-api", sigv4Now, body, func(r *http.Request) { r.Header.Del("Authorization") }), body, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := v.verify(context.Background(), tc.req, []byte(tc.body))
			if errors.Is(err, errUnsigned) != tc.unsigned {
				t.Fatalf("unsigned = %v (err %v), want %v", errors.Is(err, errUnsigned), err, tc.unsigned)
			}
			if tc.wantArn == "" {
				if err == nil {
					t.Fatalf("verified as %+v, want refused", id)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if id.UserArn != tc.wantArn || id.AccessKey != tc.req.Header.Get("Authorization")[len("AWS4-HMAC-SHA256 Credential="):][:20] {
				t.Errorf("identity = %+v, want userArn %s and the signing access key", id, tc.wantArn)
			}
			if id.Caller == "" || id.Caller != id.User {
				t.Errorf("identity %+v has no principal id", id)
			}
		})
	}
}

func TestSigV4VerifierTakesTheCallerFromTheSigningIdentityAsAPIGatewayDoes(t *testing.T) {
	v := newSigV4Verifier([]Credential{DefaultCredential, otherCredential}, func() time.Time { return sigv4Now })
	req := signed(t, otherCredential, "us-east-1", "execute-api", sigv4Now, "", func(r *http.Request) { r.Header.Set("X-Local-Caller", DefaultCaller) })
	id, err := v.verify(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	// An assumed role's caller is the role's unique id and the session
	// name, its account the one in the ARN; the header names no one.
	if !strings.HasPrefix(id.Caller, "AROA") || !strings.HasSuffix(id.Caller, ":i-0abc") || id.AccountID != "000000000000" || id.UserArn != otherCredential.UserArn {
		t.Errorf("identity = %+v", id)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIA/20261208/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=",
		"AWS4-HMAC-SHA256 ,,,", "Basic x", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAuthorization(s)
		if err != nil {
			return
		}
		if a.accessKey == "" || a.signature == "" || len(a.signedHeaders) == 0 {
			t.Errorf("parseAuthorization(%q) accepted an incomplete header: %+v", s, a)
		}
	})
}
