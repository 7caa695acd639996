package getpayment_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/getpayment"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// fakeStore knows one payment of knownOwner and fails with err.
type fakeStore struct {
	known store.Receipt
	err   error
	// owner and legacyOwner are what the last Get asked with.
	owner       string
	legacyOwner []string
}

func (f *fakeStore) Get(_ context.Context, owner, id string, legacyOwner ...string) (store.Receipt, error) {
	f.owner, f.legacyOwner = owner, legacyOwner
	if f.err != nil {
		return store.Receipt{}, f.err
	}
	if id != f.known.ID || owner != knownOwner {
		return store.Receipt{}, store.ErrNotFound
	}
	return f.known, nil
}

const (
	knownID = "pay_abcdefghijklmnopqrstuvwxyz"
	// knownOwner made the known payment: the unique id of the role
	// knownArn; callerArn is a session of it, as API Gateway puts it in the
	// request context ($context.identity.caller is knownOwner:i-0abc1234).
	knownOwner = "AROA3XFRBF23EXAMPLE01"
	knownArn   = "arn:aws:sts::111122223333:assumed-role/checkout-service"
	callerArn  = knownArn + "/i-0abc1234"
)

func request(id string) events.APIGatewayProxyRequest {
	return requestBy(knownOwner+":i-0abc1234", callerArn, id)
}

func requestBy(principalID, userArn, id string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: "GET", Path: "/payments/" + id, PathParameters: map[string]string{"id": id},
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1",
			Identity: events.APIGatewayRequestIdentity{UserArn: userArn, Caller: principalID, User: principalID}},
	}
}

// TestOnlyTheOwnerSeesAPayment checks that the owner comes from the
// request context API Gateway fills after checking the signature, never
// from a header: another caller, or a request claiming to be the owner in
// the local runner's stand-in header, gets the unknown id's 404.
func TestOnlyTheOwnerSeesAPayment(t *testing.T) {
	h := handler(&fakeStore{})
	unknown, _ := h.Handle(context.Background(), request("pay_bbbbbbbbbbbbbbbbbbbbbbbbbb"))
	tests := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantStatus int
	}{
		{"the owner (any session of its role) reads its payment", requestBy(knownOwner+":another-session", knownArn+"/another-session", knownID), 200},
		{"a role deleted and created again under the same name gets 404", requestBy("AROANEWROLEUNIQUEID01:i-0abc1234", callerArn, knownID), 404},
		{"another caller gets 404", requestBy("AIDAANOTHERMERCHANT01", "arn:aws:iam::444455556666:user/another-merchant", knownID), 404},
		{"a request without a caller identity gets 404", requestBy("", "", knownID), 404},
		{"a request with only an ARN gets 404", requestBy("", callerArn, knownID), 404},
		{"another caller naming the owner in headers gets 404", func() events.APIGatewayProxyRequest {
			r := requestBy("AIDAANOTHERMERCHANT01", "arn:aws:iam::444455556666:user/another-merchant", knownID)
			r.Headers = map[string]string{"X-Local-Caller": knownOwner, "X-Amz-Security-Token": callerArn}
			r.MultiValueHeaders = map[string][]string{"X-Local-Caller": {knownOwner}}
			return r
		}(), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.Handle(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantStatus == 404 && (resp.Body != unknown.Body || !reflect.DeepEqual(resp.Headers, unknown.Headers)) {
				t.Errorf("another caller's payment answers %v %s, an unknown id %v %s", resp.Headers, resp.Body, unknown.Headers, unknown.Body)
			}
		})
	}
}

// TestTheARNIsAskedForOnlyAsTheLegacyOwner: the store gets the unique id
// as the owner and the role's ARN (without the session) for payments made
// before the versioned derivations.
func TestTheARNIsAskedForOnlyAsTheLegacyOwner(t *testing.T) {
	f := &fakeStore{}
	if _, err := handler(f).Handle(context.Background(), request(knownID)); err != nil {
		t.Fatal(err)
	}
	if f.owner != knownOwner || len(f.legacyOwner) != 1 || f.legacyOwner[0] != knownArn {
		t.Errorf("Get asked with owner %q, legacy %q; want %q, [%q]", f.owner, f.legacyOwner, knownOwner, knownArn)
	}
}

func handler(f *fakeStore) *getpayment.Handler {
	if f.known.ID == "" {
		f.known = store.Receipt{ID: knownID, Amount: 100, Currency: "EUR", Source: "****1234", MerchantID: "m1", Status: store.StatusProcessed}
	}
	return &getpayment.Handler{Store: f, Log: slog.New(slog.DiscardHandler)}
}

func TestHandleAnswersWithThePaymentOrAProblem(t *testing.T) {
	tests := []struct {
		name       string
		store      *fakeStore
		id         string
		wantStatus int
		wantType   string
	}{
		{"a known id is 200 with the payment", &fakeStore{}, knownID, 200, "application/json"},
		{"an unknown id is a 404 problem", &fakeStore{}, "pay_bbbbbbbbbbbbbbbbbbbbbbbbbb", 404, "application/problem+json"},
		// A malformed id answers as an unknown one does (as Stripe
		// does): a client cannot tell them apart, nor probe the id format.
		{"an id without the pay_ prefix is a 404 problem", &fakeStore{}, "abcdefghijklmnopqrstuvwxyz", 404, "application/problem+json"},
		{"an id with uppercase letters is a 404 problem", &fakeStore{}, "pay_ABCDEFGHIJKLMNOPQRSTUVWXYZ", 404, "application/problem+json"},
		{"a missing id is a 404 problem", &fakeStore{}, "", 404, "application/problem+json"},
		{"an id that is a card number is a 404 problem", &fakeStore{}, "4111111111111111", 404, "application/problem+json"},
		{"the id of issue 13 is a 404 problem", &fakeStore{}, "does-not-exist-1a2b3c", 404, "application/problem+json"},
		{"an unavailable store is a 503 problem", &fakeStore{err: payment.NewError(errorname.StoreUnavailable, "down").Wrap(errors.New("sdk secret"))}, knownID, 503, "application/problem+json"},
		{"an unexpected error is a 500 problem", &fakeStore{err: errors.New("sdk secret")}, knownID, 500, "application/problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := handler(tt.store).Handle(context.Background(), request(tt.id))
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			if resp.StatusCode != tt.wantStatus || resp.Headers["Content-Type"] != tt.wantType {
				t.Errorf("response %d %s, want %d %s", resp.StatusCode, resp.Headers["Content-Type"], tt.wantStatus, tt.wantType)
			}
			if strings.Contains(resp.Body, "secret") {
				t.Errorf("body leaks the cause: %s", resp.Body)
			}
			if tt.wantStatus == 200 {
				var r store.Receipt
				if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || r.ID != knownID {
					t.Errorf("body %s is not the payment", resp.Body)
				}
				return
			}
			var p payment.Problem
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || p.Status != tt.wantStatus || p.Type == "" || p.Title == "" {
				t.Errorf("body %s is not a problem document with status %d", resp.Body, tt.wantStatus)
			}
		})
	}
}

func FuzzHandle(f *testing.F) {
	f.Add(knownID)
	f.Add("pay_")
	f.Add("../../etc/passwd")
	f.Add("pay_abcdefghijklmnopqrstuvwxy\u00e9")
	unknown, _ := handler(&fakeStore{}).Handle(context.Background(), request("pay_bbbbbbbbbbbbbbbbbbbbbbbbbb"))
	f.Fuzz(func(t *testing.T, id string) {
		resp, err := handler(&fakeStore{}).Handle(context.Background(), request(id))
		if err != nil {
			t.Fatal(err)
		}
		switch resp.StatusCode {
		case 200, 404:
		default:
			t.Fatalf("status %d for id %q", resp.StatusCode, id)
		}
		// A malformed id and an unknown one get the same answer, which
		// never depends on (so never echoes) the id.
		if resp.StatusCode == 404 && (resp.Body != unknown.Body || !reflect.DeepEqual(resp.Headers, unknown.Headers)) {
			t.Fatalf("answer for %q differs from the unknown id's: %v %s", id, resp.Headers, resp.Body)
		}
	})
}
