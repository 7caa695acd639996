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

// DerivationVersion names the current derivations of payment ids, key
// hashes and request hashes. Each derivation hashes a tag with this version
// first, and the stored hashes start with "v2:", so a later change of any
// of them is a new version whose old values can still be recognised and
// looked up (docs/security.md, "Identity and derivations"). Version 1 is
// the unversioned derivation before it (LegacyDeriveID and friends).
const DerivationVersion = "v2"

// hashPrefix starts every key and request hash of DerivationVersion.
const hashPrefix = DerivationVersion + ":"

// DeriveID returns the payment id for an idempotency key of an owner: "pay_"
// followed by the first 26 characters of the lowercase, unpadded base32
// encoding of SHA-256 over the tag "payment-id/v2", the owner
// (length-prefixed) and the key. A retried or queued request therefore
// keeps its id, the same key sent by two owners makes two payments, and the
// id reveals nothing of the key.
func DeriveID(owner, idempotencyKey string) string {
	sum := keyDigest("payment-id/"+DerivationVersion, owner, idempotencyKey)
	return IDPrefix + strings.ToLower(idEncoding.EncodeToString(sum[:])[:idChars])
}

// HashIdempotencyKey returns "v2:" and the hex SHA-256 over the tag
// "idempotency-key/v2", the owner (length-prefixed) and the key: the only
// form in which the key travels past Validate.
func HashIdempotencyKey(owner, idempotencyKey string) string {
	sum := keyDigest("idempotency-key/"+DerivationVersion, owner, idempotencyKey)
	return hashPrefix + hex.EncodeToString(sum[:])
}

// keyDigest is SHA-256 over a derivation's tag and the owner, each
// length-prefixed so that no tag, owner and key can be shifted into
// another triple, and the key: each owner has its own namespace of
// idempotency keys, and each derivation its own digests.
func keyDigest(tag, owner, idempotencyKey string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(len(tag)) + ":" + tag))
	h.Write([]byte(strconv.Itoa(len(owner)) + ":" + owner))
	h.Write([]byte(idempotencyKey))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// LegacyDeriveID is the unversioned payment id derivation of version 1
// (owner = the caller's ARN, OwnerOf): only for finding payments and keys
// stored before DerivationVersion (LegacyKeys).
func LegacyDeriveID(owner, idempotencyKey string) string {
	sum := legacyKeyDigest(owner, idempotencyKey)
	return IDPrefix + strings.ToLower(idEncoding.EncodeToString(sum[:])[:idChars])
}

// LegacyHashIdempotencyKey is the unversioned key hash of version 1.
func LegacyHashIdempotencyKey(owner, idempotencyKey string) string {
	sum := legacyKeyDigest(owner, idempotencyKey)
	return hex.EncodeToString(sum[:])
}

func legacyKeyDigest(owner, idempotencyKey string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(len(owner)) + ":" + owner))
	h.Write([]byte(idempotencyKey))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// LegacyKeys are a request's id, key hash and request hash as version 1
// derived them, so that a key first sent before the upgrade keeps
// answering the payment it made (store.Persist checks them in the same
// transaction). Validate sets them while the migration window lasts.
type LegacyKeys struct {
	ID                 string `json:"id"`
	IdempotencyKeyHash string `json:"idempotencyKeyHash"`
	RequestHash        string `json:"requestHash"`
}

// NewLegacyKeys derives a request's version-1 keys: its owner was the
// caller's ARN (OwnerOf), and its request hash had no version prefix.
func NewLegacyKeys(ownerArn, idempotencyKey string, p Payment) *LegacyKeys {
	if ownerArn == "" {
		return nil
	}
	return &LegacyKeys{ID: LegacyDeriveID(ownerArn, idempotencyKey),
		IdempotencyKeyHash: LegacyHashIdempotencyKey(ownerArn, idempotencyKey),
		RequestHash:        strings.TrimPrefix(RequestHash(p), hashPrefix)}
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

// MaxOwnerLen bounds the caller identity an owner is made of.
const MaxOwnerLen = 2048

// OwnerOf returns the readable owner of the payments a caller makes (kept
// beside OwnerID's, and version 1's owner): its IAM identity, as API
// Gateway puts it in the request context after checking the SigV4
// signature ($context.identity.userArn), never anything the client sends. An assumed role is the role, without its session name, so
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

// OwnerID returns the owner of the payments a caller makes: the unique id
// of its IAM principal, from API Gateway's $context.identity.caller (the
// principal id of the signer, as IAM's aws:userid policy variable:
// "AIDA..." for a user, "AROA...:<session>" for an assumed role, the
// account id for the root user). IAM never gives the unique id of a
// deleted principal to a new one, even under the same name, so a role
// deleted and created again does not inherit the old role's payments and
// keys, as it would by ARN. An assumed role's id is taken without its
// session name, so every session of one role shares its payments (a retry
// from another instance must find the first attempt). It returns "" for
// no id, or one that is longer than MaxOwnerLen or holds anything but
// printable ASCII.
//
// Sources: API Gateway developer guide, "Variables for data
// transformations" ($context.identity.caller); IAM user guide, "IAM
// identifiers" (unique identifiers: "AROA" role, "AIDA" user; a
// re-created principal gets a new one) and "IAM policy elements:
// Variables and tags" (aws:userid per principal type).
func OwnerID(principalID string) string {
	s := strings.TrimSpace(principalID)
	if s == "" || len(s) > MaxOwnerLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return ""
		}
	}
	if strings.HasPrefix(s, "AROA") {
		if role, _, ok := strings.Cut(s, ":"); ok {
			return role
		}
	}
	return s
}
