package controllers

import (
	"slices"
	"testing"
)

func TestMetadataAddressesIn(t *testing.T) {
	tests := []struct {
		cidr string
		want []string
	}{
		{"0.0.0.0/0", []string{"169.254.169.254/32", "169.254.170.2/32", "169.254.170.23/32"}},
		{"169.254.0.0/16", []string{"169.254.169.254/32", "169.254.170.2/32", "169.254.170.23/32"}},
		{"169.254.170.0/24", []string{"169.254.170.2/32", "169.254.170.23/32"}},
		{"169.254.169.254/32", []string{"169.254.169.254/32"}},
		{"10.0.0.0/8", nil},
		{"::/0", []string{"fd00:ec2::254/128", "fd00:ec2::23/128"}},
		{"fd00:ec2::/32", []string{"fd00:ec2::254/128", "fd00:ec2::23/128"}},
		{"2001:db8::/32", nil},
		{"not-a-cidr", nil},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			if got := metadataAddressesIn(tt.cidr); !slices.Equal(got, tt.want) {
				t.Errorf("metadataAddressesIn(%q) = %v, want %v", tt.cidr, got, tt.want)
			}
		})
	}
}
