package payment

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"
)

// IDPrefix starts every payment id.
const IDPrefix = "pay_"

// idChars is the number of base32 characters after IDPrefix: 130 bits of
// the key's SHA-256.
const idChars = 26

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// DeriveID returns the payment id for an idempotency key of an owner: "pay_"
// followed by the first 26 characters of the lowercase, unpadded base32
// encoding of the owner's key digest (see keyDigest). A retried or queued
// request therefore keeps its id, the same key sent by two owners makes two
// payments, and the id reveals nothing of the key.
func DeriveID(owner, idempotencyKey string) string {
	sum := keyDigest(owner, idempotencyKey)
	return IDPrefix + strings.ToLower(idEncoding.EncodeToString(sum[:])[:idChars])
}

// keyDigest is SHA-256 over the owner, length-prefixed so that no owner and
// key can be shifted into another pair, and the key: each owner has its own
// namespace of idempotency keys.
func keyDigest(owner, idempotencyKey string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(len(owner)) + ":" + owner))
	h.Write([]byte(idempotencyKey))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
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

// HashIdempotencyKey returns the hex digest of an owner's idempotency key
// (see keyDigest), the only form in which the key travels past Validate.
func HashIdempotencyKey(owner, idempotencyKey string) string {
	sum := keyDigest(owner, idempotencyKey)
	return hex.EncodeToString(sum[:])
}

// MaxOwnerLen bounds the caller identity an owner is made of.
const MaxOwnerLen = 2048

// OwnerOf returns the owner of the payments a caller makes: its IAM
// identity, as API Gateway puts it in the request context after checking
// the SigV4 signature ($context.identity.userArn), never anything the
// client sends. An assumed role is the role, without its session name, so
// that every instance, function or session of one service shares its
// payments and idempotency keys: a retry from another instance must find
// the first attempt. It returns "" for no identity, or one that is longer
// than MaxOwnerLen or holds anything but printable ASCII.
func OwnerOf(userArn string) string {
	s := strings.TrimSpace(userArn)
	if s == "" || len(s) > MaxOwnerLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return ""
		}
	}
	// arn:<partition>:sts::<account>:assumed-role/<role>/<session>
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "sts" && strings.HasPrefix(parts[5], "assumed-role/") {
		if i := strings.LastIndexByte(parts[5], '/'); i > len("assumed-role/") {
			return s[:len(s)-len(parts[5])+i]
		}
	}
	return s
}
