package payment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/tasks/errorname"
)

// Limits of a POST /payments request (see docs/workflow-contract.md).
const (
	// MaxBodyBytes is the largest accepted request body: 16 KiB.
	MaxBodyBytes = 16 << 10
	// MaxIdempotencyKeyLen is the longest accepted Idempotency-Key, in
	// bytes (the key is printable ASCII, so also in characters).
	MaxIdempotencyKeyLen = 255
	// MinAmount and MaxAmount bound the amount, in minor units.
	MinAmount = 1
	MaxAmount = 99_999_999
	// MaxMerchantIDLen is the longest merchant_id.
	MaxMerchantIDLen = 64
	// MaxTextChars is the longest description and metadata value, in
	// Unicode code points.
	MaxTextChars = 500
	// MaxMetadataKeys is the most keys metadata may have.
	MaxMetadataKeys = 20
	// MaxMetadataKeyLen is the longest metadata key.
	MaxMetadataKeyLen = 40
	// MinTokenChars and MaxTokenChars bound the part of a source token
	// after its prefix.
	MinTokenChars = 8
	MaxTokenChars = 64
)

// Field names used in problem documents for things that are not body
// fields.
const (
	// FieldIdempotencyKey names the Idempotency-Key header.
	FieldIdempotencyKey = "Idempotency-Key"
	// FieldBody names the request body as a whole; it also stands for a
	// client-chosen field name that is not shown (see safeName).
	FieldBody = "body"
)

// Body fields of a payment request.
const (
	fieldAmount      = "amount"
	fieldCurrency    = "currency"
	fieldSource      = "source"
	fieldMerchantID  = "merchant_id"
	fieldDescription = "description"
	fieldMetadata    = "metadata"
)

// Details of format problems, fixed at start-up.
var (
	detailCurrency   = "must be an active ISO 4217 currency code in upper case"
	detailSource     = fmt.Sprintf("must be a payment token: tok_, pm_ or src_ followed by %d to %d ASCII letters or digits", MinTokenChars, MaxTokenChars)
	detailMerchantID = fmt.Sprintf("must be 1 to %d ASCII letters, digits, '_' or '-'", MaxMerchantIDLen)
	detailTextLength = fmt.Sprintf("must be at most %d characters", MaxTextChars)
)

// tokenPrefixes are the accepted prefixes of a source token.
var tokenPrefixes = [...]string{"tok_", "pm_", "src_"}

// ParseRequest validates a POST /payments request of an owner (see
// OwnerID; it comes from the request context, never from the client): the
// Idempotency-Key header as sent and the raw body. The body must be one JSON object with
// exactly these fields:
//
//	amount       integer number of minor units, 1..99999999, written
//	             without fraction or exponent ("100", not "100.0" or "1e2")
//	currency     active ISO 4217 code in upper case ("EUR")
//	source       payment token: "tok_", "pm_" or "src_" and 8 to 64 ASCII
//	             letters or digits; never card data
//	merchant_id  1 to 64 ASCII letters, digits, '_' or '-'
//	description  optional string, at most 500 characters, no control
//	             characters
//	metadata     optional object of at most 20 string values; keys are 1 to
//	             40 ASCII letters, digits, '_', '.' or '-'; values follow
//	             the description rules
//
// Unknown fields, duplicate keys at any depth, null, trailing data and
// invalid UTF-8 are rejected.
//
// The error is a *Error. When a card number (see ContainsCardNumber)
// appears anywhere - the key, any field name or value, even a malformed
// body - it is errorname.CardData (422), listing only the names of the
// fields that hold one; card data takes precedence over every other
// problem. Otherwise it is errorname.Invalid (400) listing every problem
// found. No error ever repeats a value the client sent; a client-chosen
// name (an unknown field, a metadata key) is only shown when safeName
// allows it. An empty owner is an Internal error: the deployed API always
// has one.
//
// The payment's id and key hash are derived from the owner and the key, so
// each owner has its own namespace of idempotency keys and payments.
func ParseRequest(owner, idempotencyKey string, body []byte) (Payment, error) {
	if err := checkCardData(idempotencyKey, body); err != nil {
		return Payment{}, err
	}
	if owner == "" {
		return Payment{}, NewError(errorname.Internal, "The payment could not be processed.").
			Wrap(errors.New("payment: a request without an owner"))
	}
	var v validation
	v.checkIdempotencyKey(idempotencyKey)
	fields, dups := v.parseBody(body)
	if fields != nil {
		v.checkDuplicates(dups)
		v.checkFields(fields)
	}
	if len(v.errs) > 0 {
		return Payment{}, NewError(errorname.Invalid,
			fmt.Sprintf("The payment request has %d invalid field(s); see errors.", len(v.errs)), v.errs...)
	}
	p := v.p
	p.Owner = owner
	p.ID = DeriveID(owner, idempotencyKey)
	p.IdempotencyKeyHash = HashIdempotencyKey(owner, idempotencyKey)
	p.RequestHash = RequestHash(p)
	return p, nil
}

// CardDataError returns the errorname.CardData error (422) for card data
// found in the named fields. Its problem document names the fields and
// nothing else: the card number is never repeated.
func CardDataError(fields ...string) *Error {
	errs := make([]FieldError, len(fields))
	for i, f := range fields {
		errs[i] = FieldError{Field: f, Detail: "holds what looks like a card number"}
	}
	return NewError(errorname.CardData,
		"A field holds what looks like a card number. Card data is never accepted: send a payment token in source.", errs...)
}

// checkCardData returns a CardData error naming every field in which a
// card number appears, or nil. In a well-formed body every string (keys
// included) and every number is checked on its own, as the contract says;
// a body that is not well-formed JSON (or not UTF-8) is checked as one
// text, JSON escapes decoded, since its strings cannot be told apart.
func checkCardData(key string, body []byte) *Error {
	var names []string
	add := func(name string) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if ContainsCardNumber(key) {
		add(FieldIdempotencyKey)
	}
	wellFormed := false
	named := len(names)
	if utf8.Valid(body) {
		_, _, err := parseJSON(body, func(path []string, text string) {
			if ContainsCardNumber(text) {
				add(cardFieldName(path))
			}
		})
		wellFormed = err == nil
	}
	if !wellFormed && len(names) == named && bodyContainsCardNumber(body) {
		add(FieldBody) // malformed, or hidden where no field can be named
	}
	if len(names) == 0 {
		return nil
	}
	return CardDataError(names...)
}

// cardFieldName names the field that holds text at path: a top-level
// field, or "metadata.<key>".
func cardFieldName(path []string) string {
	if len(path) == 0 {
		return FieldBody
	}
	if len(path) >= 2 && path[0] == fieldMetadata {
		return metadataFieldName(path[1])
	}
	return topFieldName(path[0])
}

// topFieldName is the name shown for a top-level field.
func topFieldName(key string) string {
	if knownField(key) || safeName(key) {
		return key
	}
	return FieldBody
}

// metadataFieldName is the name shown for a metadata entry.
func metadataFieldName(key string) string {
	if safeName(key) {
		return fieldMetadata + "." + key
	}
	return fieldMetadata
}

// knownFields are the fields of a payment request, in the order their
// problems are listed.
var knownFields = [...]string{fieldAmount, fieldCurrency, fieldSource, fieldMerchantID, fieldDescription, fieldMetadata}

// fieldIndex is the index of key in knownFields, or -1.
func fieldIndex(key string) int {
	for i, f := range knownFields {
		if f == key {
			return i
		}
	}
	return -1
}

func knownField(key string) bool { return fieldIndex(key) >= 0 }

// safeName reports whether a client-chosen name (an unknown field, a
// metadata key) may be shown in a problem document: 1 to 40 ASCII letters,
// digits, '_', '.' or '-', with at most 6 digits in all, so that no
// number worth hiding (card, phone, account) is ever echoed back.
func safeName(s string) bool {
	if !validMetadataKey(s) {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			digits++
		}
	}
	return digits <= 6
}

// validation collects the problems of one request.
type validation struct {
	errs []FieldError
	p    Payment
}

func (v *validation) fail(field, detail string) {
	v.errs = append(v.errs, FieldError{Field: field, Detail: detail})
}

func (v *validation) checkIdempotencyKey(key string) {
	switch {
	case key == "":
		v.fail(FieldIdempotencyKey, "is required")
		return
	case len(key) > MaxIdempotencyKeyLen:
		v.fail(FieldIdempotencyKey, fmt.Sprintf("must be at most %d characters", MaxIdempotencyKeyLen))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			v.fail(FieldIdempotencyKey, "must hold printable ASCII characters only")
			return
		}
	}
}

// parseBody checks the body's size and encoding and parses it; it returns
// the members of the top-level object and the duplicate keys, or nil
// after recording why not.
func (v *validation) parseBody(body []byte) ([]jsonMember, []jsonDuplicate) {
	switch {
	case len(body) == 0:
		v.fail(FieldBody, "is required")
		return nil, nil
	case len(body) > MaxBodyBytes:
		v.fail(FieldBody, fmt.Sprintf("must be at most %d bytes", MaxBodyBytes))
		return nil, nil
	case !utf8.Valid(body):
		v.fail(FieldBody, "must be UTF-8 encoded")
		return nil, nil
	}
	doc, dups, err := parseJSON(body, nil)
	if err != nil {
		se := err.(*jsonSyntaxError)
		v.fail(FieldBody, fmt.Sprintf("is not valid JSON: %s (at byte %d)", se.msg, se.offset))
		return nil, nil
	}
	if doc.kind != jsonObject {
		v.fail(FieldBody, "must be a JSON object")
		return nil, nil
	}
	if doc.members == nil {
		return []jsonMember{}, dups
	}
	return doc.members, dups
}

// checkDuplicates reports duplicate keys, wherever they are.
func (v *validation) checkDuplicates(dups []jsonDuplicate) {
	for _, d := range dups {
		switch {
		case d.depth == 1:
			v.fail(topFieldName(d.key), "appears more than once")
		case d.depth == 2 && d.top == fieldMetadata:
			v.fail(metadataFieldName(d.key), "appears more than once")
		default:
			v.fail(topFieldName(d.top), "holds an object with a key that appears more than once")
		}
	}
}

// checkFields validates the top-level members.
func (v *validation) checkFields(members []jsonMember) {
	var got [len(knownFields)]*jsonValue
	unknownHidden := 0
	for i := range members {
		m := &members[i]
		if m.dup { // reported by checkDuplicates
			continue
		}
		n := fieldIndex(m.key)
		if n < 0 {
			if safeName(m.key) {
				v.fail(m.key, "is not a field of a payment request")
			} else {
				unknownHidden++
			}
			continue
		}
		got[n] = &m.val
	}
	if unknownHidden > 0 {
		v.fail(FieldBody, fmt.Sprintf("has %d field(s) that a payment request does not have (names not shown)", unknownHidden))
	}
	v.checkAmount(got[0])
	v.p.Currency = v.checkString(fieldCurrency, got[1], validCurrency, detailCurrency)
	v.p.Source = v.checkString(fieldSource, got[2], validToken, detailSource)
	v.p.MerchantID = v.checkString(fieldMerchantID, got[3], validMerchantID, detailMerchantID)
	if got[4] != nil {
		text, problem := checkText(got[4])
		if problem != "" {
			v.fail(fieldDescription, problem)
		}
		v.p.Description = text
	}
	if got[5] != nil {
		v.checkMetadata(got[5])
	}
}

func (v *validation) checkAmount(val *jsonValue) {
	switch {
	case val == nil:
		v.fail(fieldAmount, "is required")
		return
	case val.kind != jsonNumber:
		v.fail(fieldAmount, "must be a number, not "+val.kind.String())
		return
	}
	lit := val.text
	for i := 0; i < len(lit); i++ {
		if c := lit[i]; !('0' <= c && c <= '9' || i == 0 && c == '-') {
			v.fail(fieldAmount, "must be an integer written without a fraction or an exponent")
			return
		}
	}
	if lit == "-0" {
		v.fail(fieldAmount, "must be an integer written without a minus sign on zero")
		return
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil || n < MinAmount || n > MaxAmount {
		v.fail(fieldAmount, fmt.Sprintf("must be between %d and %d minor units", MinAmount, MaxAmount))
		return
	}
	v.p.Amount = n
}

// checkString validates a required string field against a format.
func (v *validation) checkString(field string, val *jsonValue, valid func(string) bool, detail string) string {
	switch {
	case val == nil:
		v.fail(field, "is required")
		return ""
	case val.kind != jsonString:
		v.fail(field, "must be a string, not "+val.kind.String())
		return ""
	case !valid(val.text):
		v.fail(field, detail)
		return ""
	}
	return val.text
}

// checkText validates free text (description and metadata values) and
// returns it, or a problem.
func checkText(val *jsonValue) (text, problem string) {
	if val.kind != jsonString {
		return "", "must be a string, not " + val.kind.String()
	}
	for _, r := range val.text {
		if unicode.IsControl(r) {
			return "", "must not hold control characters"
		}
	}
	if utf8.RuneCountInString(val.text) > MaxTextChars {
		return "", detailTextLength
	}
	return val.text, ""
}

func (v *validation) checkMetadata(val *jsonValue) {
	if val.kind != jsonObject {
		v.fail(fieldMetadata, "must be an object, not "+val.kind.String())
		return
	}
	if len(val.members) > MaxMetadataKeys {
		v.fail(fieldMetadata, fmt.Sprintf("must have at most %d keys", MaxMetadataKeys))
	}
	md := make(map[string]string, len(val.members))
	for i := range val.members {
		m := &val.members[i]
		if m.dup { // reported by checkNestedDuplicates
			continue
		}
		if !validMetadataKey(m.key) {
			v.fail(fieldMetadata, fmt.Sprintf("key number %d must be 1 to %d ASCII letters, digits, '_', '.' or '-'", i+1, MaxMetadataKeyLen))
			continue
		}
		text, problem := checkText(&m.val)
		if problem != "" {
			v.fail(metadataFieldName(m.key), problem)
		}
		md[m.key] = text
	}
	if len(md) > 0 {
		v.p.Metadata = md
	}
}

func validCurrency(s string) bool {
	_, ok := currencyMinorUnits[s]
	return ok
}

// validToken checks the source token format: one of tokenPrefixes, then
// MinTokenChars to MaxTokenChars ASCII letters or digits.
func validToken(s string) bool {
	for _, prefix := range tokenPrefixes {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix {
			rest := s[len(prefix):]
			return len(rest) >= MinTokenChars && len(rest) <= MaxTokenChars && allBytes(rest, isAlnum)
		}
	}
	return false
}

func validMerchantID(s string) bool {
	return len(s) >= 1 && len(s) <= MaxMerchantIDLen &&
		allBytes(s, func(c byte) bool { return isAlnum(c) || c == '_' || c == '-' })
}

func validMetadataKey(s string) bool {
	return len(s) >= 1 && len(s) <= MaxMetadataKeyLen &&
		allBytes(s, func(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' })
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// canonicalRequest fixes the field order of the canonical form.
type canonicalRequest struct {
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Description string            `json:"description,omitempty"`
	MerchantID  string            `json:"merchant_id"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Source      string            `json:"source"`
}

// RequestHash returns "v2:" (DerivationVersion) and the hex SHA-256 of the
// canonical form of a
// payment's request fields: compact JSON with the fields in alphabetical
// order and metadata keys sorted, as encoding/json writes it; an empty
// description or metadata is the same as none. Two bodies that differ only
// in key order or whitespace have the same hash.
func RequestHash(p Payment) string {
	b, err := json.Marshal(canonicalRequest{
		Amount:      p.Amount,
		Currency:    p.Currency,
		Description: p.Description,
		MerchantID:  p.MerchantID,
		Metadata:    p.Metadata,
		Source:      p.Source,
	})
	if err != nil { // strings and an int always marshal
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hashPrefix + hex.EncodeToString(sum[:])
}
