package httpapi

import (
	"strings"
	"testing"
)

func TestSummarizeBodyMasksSecrets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		want       []string
		never      []string
	}{
		{"password", `{"username":"bob","password":"hunter22"}`, []string{`"username":"bob"`, `"password":"***"`}, []string{"hunter22"}},
		{"nested", `{"conn":{"host":"db","secretKey":"s3"},"items":[{"apiKey":"k"}]}`, []string{`"host":"db"`}, []string{"s3", `"k"`}},
		{"non json", `not json`, []string{"non-JSON body, 8 bytes"}, nil},
		{"empty", ``, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := SummarizeBody([]byte(tc.body), 1000)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Fatalf("%q lacks %q", got, w)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(got, n) {
					t.Fatalf("%q leaks %q", got, n)
				}
			}
		})
	}
	long := SummarizeBody([]byte(`{"sql":"`+strings.Repeat("选", 500)+`"}`), 100)
	if len(long) > 104 || !strings.HasSuffix(long, "…") {
		t.Fatalf("not cut on a rune boundary: %d %q", len(long), long[len(long)-8:])
	}
}
