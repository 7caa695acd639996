package localrun

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/awsenv"
)

// Credential is a local IAM principal's access key: what the runner
// verifies SigV4 signatures with, and whom a signed request is from.
type Credential struct {
	AccessKeyID, SecretAccessKey string
	// UserArn is the principal's ARN; its $context.identity is
	// api.LocalIdentity(UserArn).
	UserArn string
}

// DefaultCredential is the local runner's documented access key (printed
// at start, README "Signed requests"). It is no AWS credential: it only
// signs requests to the local runner, as DefaultCaller.
var DefaultCredential = Credential{
	AccessKeyID:     awsenv.LocalAccessKeyID,
	SecretAccessKey: awsenv.LocalSecretAccessKey,
	UserArn:         DefaultCaller,
}

// Signing scope of the API: SigV4 requests to API Gateway are signed for
// the execute-api service in the API's region.
const (
	signingService = "execute-api"
	signingRegion  = awsenv.Region
	// maxClockSkew is how far X-Amz-Date may be from the runner's clock,
	// as AWS allows ("Signature expired" / "Signature not yet current").
	maxClockSkew = 5 * time.Minute
)

// errUnsigned says a request carries no SigV4 signature at all.
var errUnsigned = errors.New("sigv4: request is not signed")

// sigv4Verifier verifies SigV4 signatures of requests to the local API with
// the known credentials, by signing the received request again with
// aws-sdk-go-v2's signer and comparing the signatures.
type sigv4Verifier struct {
	creds map[string]Credential
	now   func() time.Time
}

func newSigV4Verifier(creds []Credential, now func() time.Time) *sigv4Verifier {
	v := &sigv4Verifier{creds: map[string]Credential{}, now: now}
	for _, c := range creds {
		v.creds[c.AccessKeyID] = c
	}
	return v
}

// authHeader is the parsed Authorization header of a SigV4 request.
type authHeader struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/20250101/
// us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date,
// Signature=<hex>".
func parseAuthorization(h string) (authHeader, error) {
	var a authHeader
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, errors.New("sigv4: not an AWS4-HMAC-SHA256 Authorization header")
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("sigv4: malformed Authorization component %q", part)
		}
		switch k {
		case "Credential":
			scope := strings.Split(v, "/")
			if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" {
				return a, errors.New("sigv4: malformed credential scope")
			}
			a.accessKey, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.accessKey == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, errors.New("sigv4: Authorization needs Credential, SignedHeaders and Signature")
	}
	return a, nil
}

// verify checks req's signature over body and returns the signer's
// identity: errUnsigned when there is no signature, another error when it
// does not verify (unknown key, wrong scope, clock skew, a signature that
// differs).
func (v *sigv4Verifier) verify(ctx context.Context, req *http.Request, body []byte) (api.Identity, error) {
	h := req.Header.Get("Authorization")
	if h == "" {
		if req.URL.Query().Get("X-Amz-Signature") != "" {
			return api.Identity{}, errors.New("sigv4: query-string (presigned) signatures are not supported locally")
		}
		return api.Identity{}, errUnsigned
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return api.Identity{}, err
	}
	cred, ok := v.creds[a.accessKey]
	if !ok {
		return api.Identity{}, errors.New("sigv4: unknown access key")
	}
	if a.region != signingRegion || a.service != signingService {
		return api.Identity{}, fmt.Errorf("sigv4: credential scope %s/%s, want %s/%s", a.region, a.service, signingRegion, signingService)
	}
	amzDate := req.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, a.date) {
		return api.Identity{}, errors.New("sigv4: missing or malformed X-Amz-Date")
	}
	if d := v.now().Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return api.Identity{}, errors.New("sigv4: signature expired or not yet current")
	}
	signedDate, signedHost := false, false
	for _, name := range a.signedHeaders {
		signedDate = signedDate || name == "x-amz-date"
		signedHost = signedHost || name == "host"
	}
	if !signedDate || !signedHost {
		return api.Identity{}, errors.New("sigv4: host and x-amz-date must be signed")
	}
	// The request again, with only the headers the client signed.
	again := &http.Request{Method: req.Method, Host: req.Host, Header: http.Header{}, URL: &url.URL{
		Scheme: "http", Host: req.Host, Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}}
	for _, name := range a.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			vals := req.Header.Values(name)
			if len(vals) == 0 {
				return api.Identity{}, fmt.Errorf("sigv4: signed header %s is missing", name)
			}
			again.Header[http.CanonicalHeaderKey(name)] = vals
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey,
		SessionToken: req.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(ctx, creds, again, hex.EncodeToString(sum[:]), signingService, signingRegion, t); err != nil {
		return api.Identity{}, err
	}
	want, err := parseAuthorization(again.Header.Get("Authorization"))
	if err != nil {
		return api.Identity{}, err
	}
	if strings.Join(want.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") ||
		!hmac.Equal([]byte(want.signature), []byte(a.signature)) {
		return api.Identity{}, errors.New("sigv4: signature does not match")
	}
	id := api.LocalIdentity(cred.UserArn)
	id.AccessKey = cred.AccessKeyID
	return id, nil
}

// readBody reads a request's body (at most limit+1 bytes) and puts it back
// so that the handlers read it again.
func readBody(req *http.Request, limit int64) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}
