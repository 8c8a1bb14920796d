package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	partitionPattern = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	accountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	// rolePathPattern follows IAM's limits: path segments and a name of at most 64
	// characters, both from IAM's character set.
	rolePathPattern = regexp.MustCompile(`^([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`)
)

// maxRoleARNLength is the length limit IAM documents for a role ARN.
const maxRoleARNLength = 2048

// RoleARN is a parsed IAM role ARN.
type RoleARN struct {
	Partition string
	Account   string
	// Name is the role's path and name, such as "service/leadpoet-api".
	Name string
}

// ParseRoleARN parses arn:<partition>:iam::<account>:role/<path/><name>. The error
// names the malformed part.
func ParseRoleARN(arn string) (RoleARN, error) {
	if len(arn) > maxRoleARNLength {
		return RoleARN{}, fmt.Errorf("is longer than %d characters", maxRoleARNLength)
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return RoleARN{}, fmt.Errorf("is not an IAM ARN of the form " +
			"arn:<partition>:iam::<account>:role/<name>")
	}
	parsed := RoleARN{Partition: parts[1], Account: parts[4]}
	switch {
	case !partitionPattern.MatchString(parsed.Partition):
		return RoleARN{}, fmt.Errorf("has an invalid partition %q; use aws, aws-cn, aws-us-gov or "+
			"another aws-prefixed partition", parsed.Partition)
	case parts[3] != "":
		return RoleARN{}, fmt.Errorf("names region %q, but IAM ARNs have an empty region field",
			parts[3])
	case !accountPattern.MatchString(parsed.Account):
		return RoleARN{}, fmt.Errorf("has an invalid account %q; use the 12-digit account ID",
			parsed.Account)
	case !strings.HasPrefix(parts[5], "role/"):
		return RoleARN{}, fmt.Errorf("names a %q resource; use an IAM role ARN (…:role/<name>)",
			strings.SplitN(parts[5], "/", 2)[0])
	}
	parsed.Name = strings.TrimPrefix(parts[5], "role/")
	if !rolePathPattern.MatchString(parsed.Name) {
		return RoleARN{}, fmt.Errorf("has an invalid role name %q; use up to 64 characters of "+
			"letters, digits and +=,.@_- after an optional path", parsed.Name)
	}
	return parsed, nil
}

// ValidateRoleARN checks that arn is a well-formed IAM role ARN in an allowed partition
// and account.
func ValidateRoleARN(arn string, cfg Config, path *field.Path) field.ErrorList {
	parsed, err := ParseRoleARN(arn)
	if err != nil {
		return field.ErrorList{field.Invalid(path, arn, err.Error())}
	}
	if len(cfg.AllowedPartitions) > 0 && !slices.Contains(cfg.AllowedPartitions, parsed.Partition) {
		return field.ErrorList{field.Invalid(path, arn, fmt.Sprintf(
			"partition %q is not allowed by the operator; use a role in partition %s, or ask "+
				"the operator's administrator to allow it", parsed.Partition,
			strings.Join(cfg.AllowedPartitions, " or ")))}
	}
	if len(cfg.AllowedAccounts) > 0 && !slices.Contains(cfg.AllowedAccounts, parsed.Account) {
		return field.ErrorList{field.Invalid(path, arn, fmt.Sprintf(
			"account %s is not allowed by the operator; use a role in account %s, or ask "+
				"the operator's administrator to allow it", parsed.Account,
			strings.Join(cfg.AllowedAccounts, " or ")))}
	}
	return nil
}
