package payment

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// IDPrefix starts every payment id.
const IDPrefix = "pay_"

// idChars is the number of base32 characters after IDPrefix: 130 bits of
// the key's SHA-256.
const idChars = 26

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// DeriveID returns the payment id for an idempotency key: "pay_" followed
// by the first 26 characters of the lowercase, unpadded base32 encoding of
// SHA-256(key). A retried or queued request therefore keeps its id, and
// the id reveals nothing of the key.
func DeriveID(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return IDPrefix + strings.ToLower(idEncoding.EncodeToString(sum[:])[:idChars])
}

// ValidID reports whether s has the form of a payment id made by DeriveID,
// for checking the {id} of GET /payments/{id} before any lookup.
func ValidID(s string) bool {
	if len(s) != len(IDPrefix)+idChars || !strings.HasPrefix(s, IDPrefix) {
		return false
	}
	for i := len(IDPrefix); i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// HashIdempotencyKey returns the hex SHA-256 of an idempotency key, the
// only form in which the key travels past Validate.
func HashIdempotencyKey(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return hex.EncodeToString(sum[:])
}
