package awslocal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"sigs.k8s.io/yaml"
)

// Seed is the content of a seed file: secrets to create and roles to allow. The file
// is YAML or JSON.
type Seed struct {
	// Secrets are created in order. A name that appears twice gets two versions, and
	// the later one is AWSCURRENT.
	Secrets []SeedSecret `json:"secrets"`

	// Roles are allowed as AllowRole does.
	Roles []SeedRole `json:"roles"`
}

// SeedSecret is one secret of a seed file. Set exactly one of String, JSON and Binary.
type SeedSecret struct {
	Name string `json:"name"`

	// String is stored as the SecretString as is.
	String *string `json:"string,omitempty"`

	// JSON is encoded as JSON and stored as the SecretString, so a seed file can write
	// a JSON secret as plain YAML.
	JSON any `json:"json,omitempty"`

	// Binary is base64 (standard encoding) and stored as the SecretBinary.
	Binary *string `json:"binary,omitempty"`
}

// SeedRole is one role of a seed file.
type SeedRole struct {
	RoleARN string `json:"roleARN"`

	// Subject is the service account token's sub claim,
	// system:serviceaccount:<namespace>:<name>.
	Subject string `json:"subject"`

	// Audience is the token's expected aud. Default: DefaultAudience.
	Audience string `json:"audience,omitempty"`

	// Secrets are the names the role may read.
	Secrets []string `json:"secrets"`
}

// LoadSeedFile reads a seed file and applies it with ApplySeed.
func (s *Server) LoadSeedFile(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed file failed: %w", err)
	}
	var seed Seed
	if err := yaml.UnmarshalStrict(data, &seed); err != nil {
		return nil, fmt.Errorf("seed file %s is invalid: %w", path, err)
	}
	if err := s.ApplySeed(&seed); err != nil {
		return nil, fmt.Errorf("seed file %s is invalid: %w", path, err)
	}
	return &seed, nil
}

// ApplySeed creates the seed's secrets and allows its roles.
func (s *Server) ApplySeed(seed *Seed) error {
	for i, sec := range seed.Secrets {
		value, err := sec.value()
		if err != nil {
			return fmt.Errorf("secrets[%d] (%q): %w", i, sec.Name, err)
		}
		s.PutSecret(sec.Name, value)
	}
	for i, r := range seed.Roles {
		if r.RoleARN == "" || r.Subject == "" {
			return fmt.Errorf("roles[%d]: roleARN and subject are required", i)
		}
		audience := r.Audience
		if audience == "" {
			audience = DefaultAudience
		}
		s.AllowRoleAudience(r.RoleARN, r.Subject, audience, r.Secrets...)
	}
	return nil
}

func (sec SeedSecret) value() (Value, error) {
	if sec.Name == "" {
		return Value{}, fmt.Errorf("name is missing")
	}
	set := 0
	var value Value
	if sec.String != nil {
		set++
		value = String(*sec.String)
	}
	if sec.JSON != nil {
		set++
		text, err := json.Marshal(sec.JSON)
		if err != nil {
			return Value{}, fmt.Errorf("json cannot be encoded: %w", err)
		}
		value = String(string(text))
	}
	if sec.Binary != nil {
		set++
		data, err := base64.StdEncoding.DecodeString(*sec.Binary)
		if err != nil {
			return Value{}, fmt.Errorf("binary is not valid base64: %w", err)
		}
		value = Binary(data)
	}
	if set != 1 {
		return Value{}, fmt.Errorf("set exactly one of string, json and binary")
	}
	return value, nil
}

// AWSConfig returns an aws.Config that sends Secrets Manager and STS requests to the
// server with the root credentials, never to AWS. Call it after Start.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.opts.Region,
		BaseEndpoint: aws.String(s.url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{
				AccessKeyID:     s.opts.RootAccessKeyID,
				SecretAccessKey: DefaultRootSecretAccessKey,
				Source:          "awslocal",
			}, nil
		}),
	}
}
