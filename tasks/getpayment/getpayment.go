// Package getpayment serves GET /payments/{id} through an API Gateway
// proxy integration.
package getpayment

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// getter reads a payment of an owner; *store.Store implements it.
type getter interface {
	Get(ctx context.Context, owner, id string, legacyOwner ...string) (store.Receipt, error)
}

// Handler handles GET /payments/{id}.
type Handler struct {
	Store getter
	Log   *slog.Logger
}

// idPattern is the form of a payment id: "pay_" and 26 characters of
// lowercase base32 (see docs/workflow-contract.md).
var idPattern = regexp.MustCompile(`^pay_[a-z2-7]{26}$`)

// Handle answers 200 with the payment if the caller made it, 404 for an
// unknown or malformed id or another caller's payment (the same answer, so
// a client cannot tell them apart), 503 when the
// store is unavailable and 500 otherwise. Error bodies are problem
// documents that never carry SDK errors nor the id. It never returns an
// error: API Gateway would turn it into a bare 502.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := h.Log.With("request_id", ev.RequestContext.RequestID)
	id := ev.PathParameters["id"]
	if !idPattern.MatchString(id) {
		log.Info("payment not found", "malformed_id", true) // never the id itself
		return problem(store.ErrNotFound), nil
	}
	// The caller API Gateway authenticated (SigV4), never a header: the
	// principal's unique id owns its payments; its ARN owns those made
	// before the versioned derivations.
	owner := payment.OwnerID(ev.RequestContext.Identity.Caller)
	if owner == "" {
		log.Error("request without a caller identity: is the route's IAM authorization off?")
		return problem(store.ErrNotFound), nil
	}
	log = log.With("payment_id", id)
	rec, err := h.Store.Get(ctx, owner, id, payment.OwnerOf(ev.RequestContext.Identity.UserArn))
	if err != nil {
		e := payment.AsError(err)
		if e.Name == errorname.NotFound {
			log.Info("payment not found")
		} else {
			log.Error("reading payment failed", "error_name", string(e.Name), "error", err)
		}
		return problem(e), nil
	}
	body, err := json.Marshal(rec)
	if err != nil {
		log.Error("encoding payment failed", "error", err)
		return problem(payment.AsError(err)), nil
	}
	log.Info("payment read")
	return events.APIGatewayProxyResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       string(body),
	}, nil
}

// problem renders a domain error as an RFC 9457 response.
func problem(e *payment.Error) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{
		StatusCode: e.Problem.Status,
		Headers:    map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store"},
		Body:       e.ProblemJSON(),
	}
}

// New builds the GET /payments/{id} handler from its function's
// configuration (TABLE_NAME) and DynamoDB client. The Lambda main and the
// local runner both build it here.
func New(getenv func(string) string, db store.DB, log *slog.Logger) (*Handler, error) {
	s, err := store.FromEnv(getenv, db)
	if err != nil {
		return nil, err
	}
	return &Handler{Store: s, Log: log}, nil
}
