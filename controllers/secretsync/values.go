package secretsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// MaxSecretSize is the largest total size of a Kubernetes Secret's values that the API
// server accepts (corev1.MaxSecretSize, 1 MiB). Keys are not counted.
const MaxSecretSize = 1 << 20

// selection is the part of a secret value that an entry copies: the whole value under
// key, one property under key, or every top-level property (fanOut).
type selection struct {
	key      string
	property string   // as written in the spec, for messages
	path     []string // property split into keys, nil for the whole value
	fanOut   bool
}

// secretValue is one version of a secret, as held in the cache.
type secretValue struct {
	text   *string // SecretString, nil for a binary secret
	binary []byte  // SecretBinary
}

func (v *secretValue) size() int {
	if v.text != nil {
		return len(*v.text)
	}
	return len(v.binary)
}

// parseSelection checks the entry's key, property and fanOut, which the CRD's CEL rules
// also check, so that a spec that bypassed them fails with a clear error.
func parseSelection(entryField string, entry v1alpha1.SecretSync) (selection, *Error) {
	sel := selection{key: entry.Key, property: entry.Property, fanOut: entry.FanOut}
	switch {
	case entry.FanOut && entry.Key != "":
		return sel, newError(ReasonInvalidSpec, entryField+".fanOut",
			"set either key or fanOut: true, not both")
	case !entry.FanOut && entry.Key == "":
		return sel, newError(ReasonInvalidSpec, entryField+".key",
			"key is missing; set the Secret key that receives the value, or fanOut: true")
	case entry.FanOut && entry.Property != "":
		return sel, newError(ReasonInvalidSpec, entryField+".property",
			"property cannot be combined with fanOut; fanOut copies every top-level property")
	}
	if entry.Key != "" && len(validation.IsConfigMapKey(entry.Key)) > 0 {
		return sel, newError(ReasonInvalidSpec, entryField+".key",
			"key %q is not a valid Secret key; use letters, digits, '-', '_' and '.', up to 253 characters", entry.Key)
	}
	if entry.Property != "" {
		path, err := splitProperty(entry.Property)
		if err != nil {
			return sel, newError(ReasonInvalidSpec, entryField+".property", "property %q is invalid: %s", entry.Property, err)
		}
		sel.path = path
	}
	return sel, nil
}

// splitProperty splits a property path at dots. A backslash before a dot makes the dot
// part of the key, and a backslash before anything else is kept as is.
func splitProperty(property string) ([]string, error) {
	var keys []string
	var current strings.Builder
	for i := 0; i < len(property); i++ {
		c := property[i]
		switch {
		case c == '\\' && i+1 < len(property) && property[i+1] == '.':
			current.WriteByte('.')
			i++
		case c == '.':
			keys = append(keys, current.String())
			current.Reset()
		default:
			current.WriteByte(c)
		}
	}
	keys = append(keys, current.String())
	for i, key := range keys {
		if key == "" {
			return nil, fmt.Errorf("key %d of the dot-separated path is empty; write a dot inside a key as \\.", i+1)
		}
	}
	return keys, nil
}

// extract applies the selection to a secret value. Errors name the secret, version and
// the spec's own words, never a byte of the value: encoding/json errors are not passed
// on because they can quote the input.
func extract(entryField, secretID, versionID string, sel selection, value *secretValue) (map[string][]byte, *Error) {
	if sel.path == nil && !sel.fanOut {
		if value.text != nil {
			return map[string][]byte{sel.key: []byte(*value.text)}, nil
		}
		return map[string][]byte{sel.key: bytes.Clone(value.binary)}, nil
	}

	field := entryField + ".property"
	if sel.fanOut {
		field = entryField + ".fanOut"
	}
	if value.text == nil {
		return nil, newError(ReasonInvalidValue, field,
			"secret %q version %s is binary (SecretBinary), so %s cannot select from it; "+
				"store the secret as a JSON SecretString, or remove %s to copy the whole value",
			secretID, versionID, lastSegment(field), lastSegment(field))
	}
	doc := []byte(*value.text)
	if !json.Valid(doc) {
		return nil, newError(ReasonInvalidValue, field,
			"secret %q version %s is not valid JSON%s; fix the secret, or remove %s to copy the whole value",
			secretID, versionID, syntaxErrorOffset(doc), lastSegment(field))
	}

	if sel.fanOut {
		return fanOut(field, secretID, versionID, doc)
	}
	raw, err := lookupPath(doc, sel.path)
	if err != nil {
		return nil, newError(ReasonInvalidValue, field, "property %q not found in secret %q version %s: %s",
			sel.property, secretID, versionID, err)
	}
	return map[string][]byte{sel.key: leafValue(raw)}, nil
}

// lookupPath walks the keys of path through nested JSON objects. doc must be valid JSON.
func lookupPath(doc []byte, path []string) (json.RawMessage, error) {
	current := json.RawMessage(bytes.TrimSpace(doc))
	for i, key := range path {
		object, ok := asObject(current)
		if !ok {
			return nil, fmt.Errorf("%s is %s, not an object", describePath(path[:i]), jsonKind(current))
		}
		next, ok := object[key]
		if !ok {
			return nil, fmt.Errorf("%s has no key %q", describePath(path[:i]), key)
		}
		current = next
	}
	return current, nil
}

func fanOut(field, secretID, versionID string, doc []byte) (map[string][]byte, *Error) {
	object, ok := asObject(bytes.TrimSpace(doc))
	if !ok {
		return nil, newError(ReasonInvalidValue, field,
			"secret %q version %s is %s, but fanOut needs a JSON object", secretID, versionID,
			jsonKind(bytes.TrimSpace(doc)))
	}
	names := make([]string, 0, len(object))
	for name := range object {
		names = append(names, name)
	}
	sort.Strings(names)
	data := make(map[string][]byte, len(object))
	for i, name := range names {
		if len(validation.IsConfigMapKey(name)) > 0 {
			// The property name is part of the secret value, so the message gives its
			// position instead of the name.
			return nil, newError(ReasonInvalidValue, field,
				"top-level property %d of %d (in sorted order) of secret %q version %s is not a valid Secret key; "+
					"keys may use letters, digits, '-', '_' and '.', up to 253 characters, so rename the property "+
					"or select values with key and property instead", i+1, len(names), secretID, versionID)
		}
		data[name] = leafValue(object[name])
	}
	return data, nil
}

func asObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		return nil, false
	}
	return object, true
}

// leafValue returns a JSON string's content, or the compact JSON text of any other
// value.
func leafValue(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var text string
		if json.Unmarshal(raw, &text) == nil {
			return []byte(text)
		}
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return bytes.Clone(raw)
	}
	return compact.Bytes()
}

func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func describePath(keys []string) string {
	if len(keys) == 0 {
		return "the top-level value"
	}
	return fmt.Sprintf("the value at %q", strings.Join(keys, "."))
}

// syntaxErrorOffset returns " (syntax error at byte N)" for invalid JSON. The offset
// is a position, not content, so it is safe to show.
func syntaxErrorOffset(doc []byte) string {
	var anything any
	err := json.Unmarshal(doc, &anything)
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf(" (syntax error at byte %d)", syntaxErr.Offset)
	}
	return ""
}

func lastSegment(field string) string {
	return field[strings.LastIndex(field, ".")+1:]
}

// dataSize returns the size that the API server counts against MaxSecretSize.
func dataSize(data map[string][]byte) int {
	total := 0
	for _, value := range data {
		total += len(value)
	}
	return total
}
