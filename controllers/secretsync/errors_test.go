package secretsync

import (
	"slices"
	"testing"
	"time"
)

func TestRetryDelayGrowsToCap(t *testing.T) {
	cases := []struct {
		failures int
		max      time.Duration
	}{
		{0, 5 * time.Second},
		{1, 5 * time.Second},
		{2, 10 * time.Second},
		{4, 40 * time.Second},
		{7, 5 * time.Minute},
		{100, 5 * time.Minute},
	}
	for _, c := range cases {
		for range 50 {
			got := RetryDelay(c.failures)
			if got > c.max || got < c.max*8/10 {
				t.Errorf("RetryDelay(%d) = %v, want within [%v, %v]", c.failures, got, c.max*8/10, c.max)
			}
		}
	}
}

func TestRefreshDelayAddsJitter(t *testing.T) {
	for range 100 {
		got := RefreshDelay(time.Hour)
		if got < time.Hour || got >= time.Hour+6*time.Minute {
			t.Errorf("RefreshDelay(1h) = %v, want within [1h, 1h6m)", got)
		}
	}
}

func TestSplitPropertyEscapes(t *testing.T) {
	cases := []struct {
		property string
		want     []string
	}{
		{"password", []string{"password"}},
		{"db.password", []string{"db", "password"}},
		{`db.primary\.eu.password`, []string{"db", "primary.eu", "password"}},
		{`a\b.c`, []string{`a\b`, "c"}},
		{`trailing\`, []string{`trailing\`}},
	}
	for _, c := range cases {
		got, err := splitProperty(c.property)
		if err != nil {
			t.Errorf("splitProperty(%q) failed: %v", c.property, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("splitProperty(%q) = %q, want %q", c.property, got, c.want)
		}
	}
	for _, invalid := range []string{".a", "a.", "a..b"} {
		if _, err := splitProperty(invalid); err == nil {
			t.Errorf("splitProperty(%q) succeeded, want an error for the empty key", invalid)
		}
	}
}
