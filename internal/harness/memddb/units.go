package memddb

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// How DynamoDB counts request units (Amazon DynamoDB Developer Guide,
// "Item sizes and formats" and "Read/write capacity mode", checked
// 2026-12-02):
//
//   - A write request unit writes up to 1 KB of item; a write of a larger
//     item takes one unit per KB, rounded up. A transactional write takes
//     two units per KB ("DynamoDB performs two underlying reads or writes
//     of every item in the transaction: one to prepare the transaction and
//     one to commit it"). An overwrite counts the larger of the old and new
//     item.
//   - A read request unit reads up to 4 KB strongly consistently, two
//     eventually consistent reads of up to 4 KB, or half a transactional
//     read. A read of a missing item still takes the minimum.
//   - A write whose condition fails is billed (ConditionalCheckFailed
//     writes consume write units). A transaction canceled by a failed
//     condition reports no ConsumedCapacity, but is billed: this meter
//     counts its actions as transactional writes, the upper bound (real
//     DynamoDB measured in paritysuite/dynamodb-conformance#67; cancelled
//     requests "nonetheless consume capacity", Tarsnap/kivaloo#183).

// WriteUnits is the write request units of writing an item of size bytes.
func WriteUnits(size int, transactional bool) float64 {
	units := math.Max(1, math.Ceil(float64(size)/1024))
	if transactional {
		units *= 2
	}
	return units
}

// ReadUnits is the read request units of reading an item of size bytes.
func ReadUnits(size int, consistent, transactional bool) float64 {
	units := math.Max(1, math.Ceil(float64(size)/4096))
	switch {
	case transactional:
		units *= 2
	case !consistent:
		units /= 2
	}
	return units
}

// ItemSize is an item's size as DynamoDB counts it: for each attribute,
// the UTF-8 length of its name plus the size of its value.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

// valueSize is a value's size: strings and binaries their length, numbers
// one byte per two significant digits plus one, booleans and null one
// byte, lists and maps 3 bytes plus one byte and the size of each element
// (a map element's name included), sets the sum of their elements.
func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return numberSize(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 0
		for _, e := range x.Value {
			n += len(e)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, e := range x.Value {
			n += numberSize(e)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, e := range x.Value {
			n += len(e)
		}
		return n
	}
	return 0
}

// numberSize is 1 byte plus 1 per two significant digits (leading and
// trailing zeros do not count).
func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.ReplaceAll(mantissa, ".", "")
	digits = strings.Trim(digits, "0")
	if digits == "" {
		return 1
	}
	return 1 + (utf8.RuneCountInString(digits)+1)/2
}
