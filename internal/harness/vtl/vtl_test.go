package vtl_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/resilientpay/paymentapi/internal/harness/vtl"
)

var (
	startOnce sync.Once
	shared    *vtl.Renderer
	startErr  error
)

// renderer returns the test binary's renderer, started on first use.
func renderer(t *testing.T) *vtl.Renderer {
	t.Helper()
	if testing.Short() {
		t.Skip("executing mapping templates needs node and velocityjs; skipped with -short")
	}
	startOnce.Do(func() { shared, startErr = vtl.Start(context.Background()) })
	if startErr != nil {
		t.Fatal(startErr)
	}
	return shared
}

// The renderer follows Java Velocity and AWS where velocityjs alone would
// not; each case is a construct API Gateway templates use.
func TestRendererBehavesLikeAPIGateway(t *testing.T) {
	r := renderer(t)
	tests := []struct {
		name    string
		req     vtl.Request
		want    string
		status  int
		headers map[string]string
	}{
		{name: "keySet is the Map method even when a header is named keySet",
			req:  vtl.Request{Template: `#foreach($n in $input.params().header.keySet())$n;#end`, Headers: map[string]string{"keySet": "x", "get": "y"}},
			want: "get;keySet;"}, // the headers arrive in JSON key order
		{name: "get on the header map reads a header, whatever its name",
			req:  vtl.Request{Template: `$input.params().header.get("get")`, Headers: map[string]string{"get": "y"}},
			want: "y"},
		{name: "a hyphenated header override is one identifier",
			req:     vtl.Request{Template: `#set($context.responseOverride.header.Content-Type = "text/plain")ok`},
			want:    "ok",
			headers: map[string]string{"Content-Type": "text/plain"}},
		{name: "a status override taken from parsed JSON is a number",
			req:    vtl.Request{Template: `#set($r = $util.parseJson($input.path('$.o')))#set($context.responseOverride.status = $r.code)`, Body: `{"o":"{\"code\":418}"}`},
			status: 418},
		{name: "only null and false are false in a condition, as in Velocity 1.7",
			req:  vtl.Request{Template: `#set($z = 0)#set($e = "")#if($z)zero #end#if($e)empty #end#if($input.path('$.f'))f#end#if($input.path('$.n'))n#end#if(!$input.path('$.f') && !$input.path('$.n'))both#end`, Body: `{"f":false,"n":null}`},
			want: "zero empty both"},
		{name: "a bare literal is a false condition, as in Velocity 1.7",
			req:  vtl.Request{Template: `#if("x")string #end#if(1)integer #end#if(true)true#end`},
			want: "true"},
		{name: "a #set with a null value leaves the variable unchanged",
			req:  vtl.Request{Template: `#set($a = "kept")#set($a = $input.path('$.missing'))$a`, Body: `{}`},
			want: "kept"},
		{name: "a JSON null renders as the reference, as Velocity renders null",
			req:  vtl.Request{Template: `$input.path('$.x')|$!input.path('$.x')|`, Body: `{"x":null}`},
			want: `$input.path('$.x')||`},
		{name: "input.path returns a string node's value without quotes",
			req:  vtl.Request{Template: `$input.path('$.s')`, Body: `{"s":"a\"b"}`},
			want: `a"b`},
		{name: "input.json returns JSON text",
			req:  vtl.Request{Template: `$input.json('$.s') $input.json('$.o')`, Body: `{"s":"a\"b","o":{"k":[1,true]}}`},
			want: `"a\"b" {"k":[1,true]}`},
		{name: "a parsed object renders as a Java Map",
			req:  vtl.Request{Template: `$util.parseJson('{"a":1,"b":[2,3]}')`},
			want: `{a=1, b=[2, 3]}`},
		{name: "input.params(name) searches path, query string then headers",
			req: vtl.Request{Template: `$input.params('id')/$input.params('q')/$input.params('h')/$input.params('none')|`,
				Path: map[string]string{"id": "p"}, QueryString: map[string]string{"id": "q-id", "q": "qs"}, Headers: map[string]string{"h": "hv"}},
			want: "p/qs/hv/|"},
		{name: "escapeJavaScript follows Commons Lang",
			req:  vtl.Request{Template: `$util.escapeJavaScript($input.body)`, Body: "'\"\\/\n\u00e9\u20ac\x01"},
			want: `\'\"\\\/\n\u00E9\u20AC\u0001`},
		{name: "base64 encodes UTF-8",
			req:  vtl.Request{Template: `$util.base64Encode($input.body)|$util.base64Decode("w6k=")`, Body: "é"},
			want: "w6k=|é"},
		{name: "urlEncode follows java.net.URLEncoder",
			req:  vtl.Request{Template: `$util.urlEncode("a b!*~'é")|$util.urlDecode("a+b%21")`},
			want: "a+b%21*%7E%27%C3%A9|a b!"},
		{name: "Java String methods that JavaScript lacks work",
			req:  vtl.Request{Template: `$input.body.length() $input.body.equalsIgnoreCase("ABC") $input.body.contains("B") $input.body.replaceAll("[ac]", "x") $input.body.toLowerCase()`, Body: "aBc"},
			want: "3 true true xBx abc"},
		{name: "invalid UTF-8 bytes become replacement characters",
			req:  vtl.Request{Template: `$input.body`, RawBody: []byte{'a', 0xff, 'b'}},
			want: "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Render(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tt.want {
				t.Errorf("output %q, want %q", got.Output, tt.want)
			}
			if got.StatusOverride != tt.status {
				t.Errorf("status override %d, want %d", got.StatusOverride, tt.status)
			}
			for k, v := range tt.headers {
				if got.HeaderOverrides[k] != v {
					t.Errorf("header override %s = %q, want %q (all: %v)", k, got.HeaderOverrides[k], v, got.HeaderOverrides)
				}
			}
		})
	}
}

// API Gateway fails the request on these; the renderer reports them as
// template errors.
func TestRendererReportsWhatFailsInAPIGateway(t *testing.T) {
	r := renderer(t)
	tests := []struct {
		name, template, body, want string
	}{
		{"an override set twice", `#set($context.responseOverride.status = 200)#set($context.responseOverride.status = 201)`, ``, "set twice"},
		{"a header override set twice", `#set($context.responseOverride.header.X-A = "1")#set($context.responseOverride.header.X-A = "2")`, ``, "set twice"},
		{"parseJson of text that is not JSON", `$util.parseJson($input.body)`, `not json`, "invalid JSON"},
		{"input.path on a body that is not JSON", `$input.path('$.a')`, `not json`, "invalid JSON"},
		{"base64Encode of a null reference", `$util.base64Encode($input.path('$.missing'))`, `{}`, "null reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Render(vtl.Request{Template: tt.template, Body: tt.body})
			var te *vtl.TemplateError
			if !errors.As(err, &te) || !strings.Contains(te.Message, tt.want) {
				t.Fatalf("err = %v, want a template error containing %q", err, tt.want)
			}
		})
	}
}
