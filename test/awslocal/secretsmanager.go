package awslocal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Error codes, as the __type of an AWS JSON error or the Code of an STS error.
const (
	codeResourceNotFound     = "ResourceNotFoundException"
	codeInvalidRequest       = "InvalidRequestException"
	codeInvalidParameter     = "InvalidParameterException"
	codeResourceExists       = "ResourceExistsException"
	codeAccessDenied         = "AccessDeniedException"
	codeThrottling           = "ThrottlingException"
	codeDecryptionFailure    = "DecryptionFailure"
	codeInternalServiceError = "InternalServiceError"
	codeUnrecognizedClient   = "UnrecognizedClientException"
	codeMissingAuth          = "MissingAuthenticationTokenException"
	codeExpiredToken         = "ExpiredTokenException"
	codeUnknownOperation     = "UnknownOperationException"
	codeSerialization        = "SerializationException"
)

const (
	targetPrefix = "secretsmanager."
	jsonType     = "application/x-amz-json-1.1"

	// maxBatchSecretIDs is the SecretIdList limit of BatchGetSecretValue.
	maxBatchSecretIDs = 20
)

// principal is the identity that signed a request: the root key or a role session.
type principal struct {
	root    bool
	roleARN string
}

func (s *Server) serveSecretsManager(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	if !ok {
		writeJSONError(w, newAPIError(codeUnknownOperation, "X-Amz-Target %q is not a Secrets Manager operation", target))
		return
	}

	caller, authErr := s.authenticate(r)
	s.countCall(op, caller.roleARN)
	if fault := s.requestFault(r.Context(), op); fault != nil {
		if fault.Kind == FaultThrottle {
			writeJSONError(w, newAPIError(codeThrottling, "Rate exceeded"))
		} else {
			writeJSONError(w, newAPIError(codeInternalServiceError, "An error occurred on the server side."))
		}
		return
	}
	if authErr != nil {
		writeJSONError(w, authErr)
		return
	}

	var out any
	var err error
	switch op {
	case "GetSecretValue":
		out, err = decodeAndRun(r, caller, s.getSecretValue)
	case "BatchGetSecretValue":
		out, err = decodeAndRun(r, caller, s.batchGetSecretValue)
	case "DescribeSecret":
		out, err = decodeAndRun(r, caller, s.describeSecret)
	case "ListSecretVersionIds":
		out, err = decodeAndRun(r, caller, s.listSecretVersionIDs)
	case "PutSecretValue":
		out, err = decodeAndRun(r, caller, s.putSecretValue)
	default:
		err = newAPIError(codeUnknownOperation, "awslocal does not implement %s; it serves GetSecretValue, "+
			"BatchGetSecretValue, DescribeSecret, ListSecretVersionIds and PutSecretValue", op)
	}
	if err != nil {
		writeJSONError(w, asAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func decodeAndRun[In any](r *http.Request, caller principal, run func(principal, *In) (any, error)) (any, error) {
	in := new(In)
	if err := json.NewDecoder(r.Body).Decode(in); err != nil {
		return nil, newAPIError(codeSerialization, "request body is not valid JSON for this operation: %v", err)
	}
	return run(caller, in)
}

// authenticate maps the access key id in the SigV4 Authorization header to a principal.
//
// NOTE: the signature itself is not verified. The session token must match the one
// issued with the access key, which catches a client that mixes up credentials, but
// not one that signs with a wrong secret key.
func (s *Server) authenticate(r *http.Request) (principal, *apiError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return principal{}, newAPIError(codeMissingAuth, "Missing Authentication Token")
	}
	_, credential, found := strings.Cut(auth, "Credential=")
	if !found {
		return principal{}, newAPIError(codeMissingAuth, "Authorization header has no Credential=; sign the request with SigV4")
	}
	accessKeyID, _, _ := strings.Cut(credential, "/")
	if accessKeyID == s.opts.RootAccessKeyID {
		return principal{root: true}, nil
	}

	s.mu.Lock()
	sess, ok := s.sessions[accessKeyID]
	s.mu.Unlock()
	if !ok {
		return principal{}, newAPIError(codeUnrecognizedClient, "The security token included in the request is invalid.")
	}
	if r.Header.Get("X-Amz-Security-Token") != sess.sessionToken {
		return principal{roleARN: sess.roleARN}, newAPIError(codeUnrecognizedClient,
			"The security token included in the request is invalid.")
	}
	if !s.opts.Now().Before(sess.expires) {
		return principal{roleARN: sess.roleARN}, newAPIError(codeExpiredToken,
			"The security token included in the request is expired")
	}
	return principal{roleARN: sess.roleARN}, nil
}

// readableLocked resolves id for a read by caller, applying the role's allow list.
func (s *Server) readableLocked(caller principal, op, id string) (*secret, error) {
	if id == "" {
		return nil, newAPIError(codeInvalidParameter, "SecretId is missing")
	}
	sec, err := s.lookupLocked(id)
	if !caller.root {
		r := s.roles[caller.roleARN]
		allowed := r != nil && (r.secrets[id] || (sec != nil && r.secrets[sec.name]))
		if !allowed {
			return nil, newAPIError(codeAccessDenied,
				"User: %s is not authorized to perform: secretsmanager:%s on resource: %s "+
					"because no identity-based policy allows the secretsmanager:%s action",
				assumedRoleARN(caller.roleARN), op, id, op)
		}
	}
	if err != nil {
		return nil, err
	}
	if fault := s.secretFaultLocked(op, sec, FaultAccessDenied); fault != nil {
		return nil, newAPIError(codeAccessDenied,
			"User: %s is not authorized to perform: secretsmanager:%s on resource: %s "+
				"with an explicit deny in a resource-based policy",
			assumedRoleARN(caller.roleARN), op, id)
	}
	return sec, nil
}

type getSecretValueInput struct {
	SecretId     string
	VersionId    string
	VersionStage string
}

type secretValueEntry struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string `json:",omitempty"`
	SecretBinary  []byte  `json:",omitempty"`
	VersionStages []string
	CreatedDate   float64
}

func (s *Server) getSecretValue(caller principal, in *getSecretValueInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fault := s.opFaultLocked("GetSecretValue"); fault != nil {
		return nil, newAPIError(codeAccessDenied, "User: %s is not authorized to perform: secretsmanager:GetSecretValue",
			assumedRoleARN(caller.roleARN))
	}
	sec, err := s.readableLocked(caller, "GetSecretValue", in.SecretId)
	if err != nil {
		return nil, err
	}
	return s.readValueLocked("GetSecretValue", sec, in.VersionId, in.VersionStage)
}

func (s *Server) readValueLocked(op string, sec *secret, versionID, stage string) (*secretValueEntry, error) {
	if sec.deletedDate != nil {
		return nil, newAPIError(codeInvalidRequest,
			"You can't perform this operation on the secret because it was marked for deletion.")
	}
	var v *version
	switch {
	case versionID != "":
		v = sec.versions[versionID]
		if v == nil {
			return nil, newAPIError(codeResourceNotFound,
				"Secrets Manager can't find the specified secret value for VersionId: %s", versionID)
		}
		if stage != "" && !slices.Contains(v.stages, stage) {
			return nil, newAPIError(codeInvalidParameter,
				"You provided a VersionStage that is not associated to the provided VersionId.")
		}
	default:
		if stage == "" {
			stage = stageCurrent
		}
		v = sec.stageVersion(stage)
		if v == nil {
			return nil, newAPIError(codeResourceNotFound,
				"Secrets Manager can't find the specified secret value for staging label: %s", stage)
		}
	}
	if fault := s.secretFaultLocked(op, sec, FaultDecryption); fault != nil {
		return nil, newAPIError(codeDecryptionFailure,
			"Secrets Manager can't decrypt the protected secret text using the provided KMS key.")
	}
	return &secretValueEntry{
		ARN:           sec.arn,
		Name:          sec.name,
		VersionId:     v.id,
		SecretString:  v.text,
		SecretBinary:  v.binary,
		VersionStages: slices.Clone(v.stages),
		CreatedDate:   epochSeconds(v.created),
	}, nil
}

type batchGetSecretValueInput struct {
	SecretIdList []string
	Filters      []json.RawMessage
	MaxResults   *int
	NextToken    *string
}

type batchErrorEntry struct {
	SecretId  string
	ErrorCode string
	Message   string
}

type batchGetSecretValueOutput struct {
	SecretValues []*secretValueEntry
	Errors       []batchErrorEntry
}

func (s *Server) batchGetSecretValue(caller principal, in *batchGetSecretValueInput) (any, error) {
	if len(in.Filters) > 0 {
		return nil, newAPIError(codeInvalidRequest,
			"awslocal does not support Filters in BatchGetSecretValue; pass SecretIdList instead")
	}
	if len(in.SecretIdList) == 0 {
		return nil, newAPIError(codeInvalidParameter, "You must include Filters or SecretIdList, but not both.")
	}
	if len(in.SecretIdList) > maxBatchSecretIDs {
		return nil, newAPIError(codeInvalidParameter,
			"SecretIdList has %d entries; the maximum is %d", len(in.SecretIdList), maxBatchSecretIDs)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if fault := s.opFaultLocked("BatchGetSecretValue"); fault != nil {
		return nil, newAPIError(codeAccessDenied,
			"User: %s is not authorized to perform: secretsmanager:BatchGetSecretValue on resource: *",
			assumedRoleARN(caller.roleARN))
	}
	out := batchGetSecretValueOutput{SecretValues: []*secretValueEntry{}, Errors: []batchErrorEntry{}}
	for _, id := range in.SecretIdList {
		// AWS authorises each secret as a GetSecretValue call.
		sec, err := s.readableLocked(caller, "GetSecretValue", id)
		var entry *secretValueEntry
		if err == nil {
			entry, err = s.readValueLocked("GetSecretValue", sec, "", stageCurrent)
		}
		if err != nil {
			apiErr := asAPIError(err)
			out.Errors = append(out.Errors, batchErrorEntry{SecretId: id, ErrorCode: apiErr.code, Message: apiErr.message})
			continue
		}
		out.SecretValues = append(out.SecretValues, entry)
	}
	return out, nil
}

type describeSecretInput struct {
	SecretId string
}

type describeSecretOutput struct {
	ARN                string
	Name               string
	CreatedDate        float64
	LastChangedDate    float64
	DeletedDate        *float64 `json:",omitempty"`
	VersionIdsToStages map[string][]string
}

func (s *Server) describeSecret(caller principal, in *describeSecretInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fault := s.opFaultLocked("DescribeSecret"); fault != nil {
		return nil, newAPIError(codeAccessDenied, "User: %s is not authorized to perform: secretsmanager:DescribeSecret",
			assumedRoleARN(caller.roleARN))
	}
	sec, err := s.readableLocked(caller, "DescribeSecret", in.SecretId)
	if err != nil {
		return nil, err
	}
	out := describeSecretOutput{
		ARN:                sec.arn,
		Name:               sec.name,
		CreatedDate:        epochSeconds(sec.created),
		LastChangedDate:    epochSeconds(sec.lastChanged),
		VersionIdsToStages: map[string][]string{},
	}
	if sec.deletedDate != nil {
		deleted := epochSeconds(*sec.deletedDate)
		out.DeletedDate = &deleted
	}
	for id, v := range sec.versions {
		if len(v.stages) > 0 {
			out.VersionIdsToStages[id] = slices.Clone(v.stages)
		}
	}
	return out, nil
}

type listSecretVersionIDsInput struct {
	SecretId          string
	IncludeDeprecated bool
}

type versionListEntry struct {
	VersionId     string
	VersionStages []string
	CreatedDate   float64
}

type listSecretVersionIDsOutput struct {
	ARN      string
	Name     string
	Versions []versionListEntry
}

func (s *Server) listSecretVersionIDs(caller principal, in *listSecretVersionIDsInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.readableLocked(caller, "ListSecretVersionIds", in.SecretId)
	if err != nil {
		return nil, err
	}
	out := listSecretVersionIDsOutput{ARN: sec.arn, Name: sec.name, Versions: []versionListEntry{}}
	for _, id := range sec.versionOrder {
		v := sec.versions[id]
		if len(v.stages) == 0 && !in.IncludeDeprecated {
			continue
		}
		out.Versions = append(out.Versions, versionListEntry{
			VersionId:     v.id,
			VersionStages: slices.Clone(v.stages),
			CreatedDate:   epochSeconds(v.created),
		})
	}
	return out, nil
}

type putSecretValueInput struct {
	SecretId           string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

type putSecretValueOutput struct {
	ARN           string
	Name          string
	VersionId     string
	VersionStages []string
}

func (s *Server) putSecretValue(caller principal, in *putSecretValueInput) (any, error) {
	if !caller.root {
		return nil, newAPIError(codeAccessDenied,
			"User: %s is not authorized to perform: secretsmanager:PutSecretValue on resource: %s; "+
				"roles in awslocal may only read, so sign with the root access key",
			assumedRoleARN(caller.roleARN), in.SecretId)
	}
	if (in.SecretString == nil) == (in.SecretBinary == nil) {
		return nil, newAPIError(codeInvalidParameter, "You must provide either SecretString or SecretBinary, but not both.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.lookupLocked(in.SecretId)
	if err != nil {
		return nil, err
	}
	v, err := s.putLocked(sec.name, Value{String: in.SecretString, Binary: in.SecretBinary},
		in.ClientRequestToken, in.VersionStages, false)
	if err != nil {
		return nil, err
	}
	return putSecretValueOutput{ARN: sec.arn, Name: sec.name, VersionId: v.id, VersionStages: slices.Clone(v.stages)}, nil
}

// assumedRoleARN returns the STS principal of a role session, as AWS names it in
// access-denied messages.
func assumedRoleARN(roleARN string) string {
	accountAndPath, name, ok := strings.Cut(roleARN, ":role/")
	if !ok {
		return roleARN
	}
	account := accountAndPath[strings.LastIndex(accountAndPath, ":")+1:]
	name = name[strings.LastIndex(name, "/")+1:]
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/awslocal", account, name)
}

func epochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("X-Amzn-RequestId", newVersionID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeJSONError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]string{"__type": e.code, "message": e.message})
}
