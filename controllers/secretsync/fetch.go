package secretsync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

const (
	stageCurrent = "AWSCURRENT"

	// maxBatchSize is the SecretIdList limit of BatchGetSecretValue.
	maxBatchSize = 20
)

// describeKey and valueKey include the role, so an entry is never shared between
// roles: one role's permission to read a secret does not imply another's.
type describeKey struct {
	role, region, secretID string
}

type valueKey struct {
	role, region, secretID, versionID string
}

// describeEntry is a DescribeSecret result that is fresh until checked plus the
// refresh interval plus jitter times the interval.
type describeEntry struct {
	arn     string
	name    string
	stages  map[string]string // staging label -> version id
	checked time.Time
	jitter  float64 // fraction of the interval, in [0, refreshJitter)
}

func (d *describeEntry) nextRefresh(interval time.Duration) time.Time {
	return d.checked.Add(time.Duration(float64(interval) * (1 + d.jitter)))
}

// Fetch returns one Result per entry, in order, each with the data to write or an
// error. It calls AWS only when the cache lacks the data: DescribeSecret once per
// secret whose refresh is due, then GetSecretValue or BatchGetSecretValue for versions
// not cached yet. Call it on every reconcile and requeue at the earliest NextRefresh.
func (s *Syncer) Fetch(ctx context.Context, inst Instance, entries []v1alpha1.SecretSync) []Result {
	f := &fetch{
		Syncer:  s,
		ctx:     ctx,
		entries: entries,
		results: make([]Result, len(entries)),
		plans:   make([]entryPlan, len(entries)),
	}
	pending := f.parseEntries()
	id, err := s.identityFor(inst)
	if err != nil {
		f.failAll(pending, err)
	} else {
		f.identity = id
		f.run(pending)
	}
	checkSecrets(entries, f.results)
	s.recordResults(inst, f.results)
	return f.results
}

// fetch is the state of one Fetch call.
type fetch struct {
	*Syncer
	ctx      context.Context
	identity *identity
	entries  []v1alpha1.SecretSync
	results  []Result
	plans    []entryPlan

	identityChecked bool
}

// entryPlan is the parsed selection and resolved version of one entry, filled in by
// the steps of Fetch.
type entryPlan struct {
	field     string // spec.secrets[name=...]
	selection selection
	describe  *describeEntry
	versionID string
}

func (f *fetch) parseEntries() []int {
	var pending []int
	for i, entry := range f.entries {
		field := entryField(entry)
		f.results[i] = Result{Name: entry.Name, SecretName: entry.SecretName}
		f.plans[i].field = field
		if entry.RemoteRef.SecretID == "" {
			f.results[i].Err = newError(ReasonInvalidSpec, field+".remoteRef.secretID",
				"secretID is missing; set the secret's name or ARN")
			continue
		}
		sel, err := parseSelection(field, entry)
		if err != nil {
			f.results[i].Err = err
			continue
		}
		f.plans[i].selection = sel
		f.results[i].selection = fmt.Sprintf("%s|%s|%s|%t", entry.RemoteRef.SecretID, sel.key, sel.property, sel.fanOut)
		pending = append(pending, i)
	}
	return pending
}

func (f *fetch) failAll(indexes []int, err *Error) {
	for _, i := range indexes {
		if f.results[i].Err == nil {
			copied := *err
			f.results[i].Err = &copied
		}
	}
}

func (f *fetch) run(pending []int) {
	// The caches are shared by every instance that names the same role, so an instance
	// must prove it may assume the role before it is served anything from them. The
	// check reuses the identity's cached credentials, so it costs an STS call only when
	// they are missing or about to expire.
	if len(pending) == 0 {
		return
	}
	if err := f.ensureIdentity(); err != nil {
		f.failAll(pending, err)
		return
	}
	pending = f.resolveVersions(pending)
	pending = f.loadValues(pending)
	for _, i := range pending {
		f.extract(i)
	}
}

// ensureIdentity assumes the role before the first AWS call of this Fetch, so an
// identity failure is reported as such and not as a failed Secrets Manager call.
func (f *fetch) ensureIdentity() *Error {
	if f.identityChecked || f.identity.roleKey == operatorRoleKey {
		return nil
	}
	if _, err := f.identity.Retrieve(f.ctx); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return newError(ReasonIdentityRejected, roleField, "assuming role %s failed: %v", f.identity.key.roleARN, err)
	}
	f.identityChecked = true
	return nil
}

// resolveVersions finds the version id of each pending entry, from the cache or from
// one DescribeSecret per secret, and returns the entries that still succeed.
func (f *fetch) resolveVersions(pending []int) []int {
	bySecret := map[string][]int{}
	var order []string
	for _, i := range pending {
		id := f.entries[i].RemoteRef.SecretID
		if _, seen := bySecret[id]; !seen {
			order = append(order, id)
		}
		bySecret[id] = append(bySecret[id], i)
	}

	var resolved []int
	for _, secretID := range order {
		indexes := bySecret[secretID]
		interval := refreshInterval(f.entries[indexes[0]])
		for _, i := range indexes[1:] {
			interval = min(interval, refreshInterval(f.entries[i]))
		}
		desc, err := f.describe(secretID, f.plans[indexes[0]].field+".remoteRef.secretID", interval)
		if err != nil {
			f.failAll(indexes, err)
			continue
		}
		for _, i := range indexes {
			if err := f.resolveVersion(i, desc); err != nil {
				f.results[i].Err = err
				continue
			}
			resolved = append(resolved, i)
		}
	}
	return resolved
}

func (f *fetch) describe(secretID, field string, interval time.Duration) (*describeEntry, *Error) {
	key := describeKey{role: f.identity.roleKey, region: f.cfg.Region, secretID: secretID}
	now := f.now()
	if cached, ok := f.describes.Get(key); ok {
		entry := cached.(*describeEntry)
		if now.Before(entry.nextRefresh(interval)) {
			return entry, nil
		}
	}
	if err := f.ensureIdentity(); err != nil {
		return nil, err
	}

	out, err := f.identity.client.DescribeSecret(f.ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, f.awsFailure(awsCall{api: "DescribeSecret", secretID: secretID, field: field}, err)
	}
	f.metrics.awsCall("DescribeSecret", outcomeSuccess)
	if out.DeletedDate != nil {
		// A deleted secret is not cached, so a restore is seen on the next retry.
		return nil, newError(ReasonDeleted, field,
			"secret %q is scheduled for deletion since %s; restore it with aws secretsmanager restore-secret, "+
				"or point secretID at another secret", secretID, out.DeletedDate.UTC().Format(time.RFC3339))
	}
	entry := &describeEntry{
		arn:     aws.ToString(out.ARN),
		name:    aws.ToString(out.Name),
		stages:  map[string]string{},
		checked: now,
		jitter:  rand.Float64() * refreshJitter,
	}
	for versionID, stages := range out.VersionIdsToStages {
		for _, stage := range stages {
			entry.stages[stage] = versionID
		}
	}
	f.describes.Add(key, entry)
	return entry, nil
}

func (f *fetch) resolveVersion(i int, desc *describeEntry) *Error {
	ref := f.entries[i].RemoteRef
	plan := &f.plans[i]
	plan.describe = desc
	if ref.VersionID != "" {
		// DescribeSecret lists only versions with a staging label, and GetSecretValue
		// can still read a version without one, so an unlisted id is not an error yet.
		plan.versionID = ref.VersionID
		return nil
	}
	stage := ref.VersionStage
	if stage == "" {
		stage = stageCurrent
	}
	versionID, ok := desc.stages[stage]
	if !ok {
		return newError(ReasonNotFound, plan.field+".remoteRef.versionStage",
			"secret %q has no version with staging label %q; use a label that DescribeSecret lists, "+
				"or remove versionStage to read AWSCURRENT", ref.SecretID, stage)
	}
	plan.versionID = versionID
	return nil
}

// awsFailure classifies a failed Secrets Manager call, counts it, and drops the
// session credentials when AWS rejected them.
func (f *fetch) awsFailure(call awsCall, err error) *Error {
	call.roleARN = f.identity.key.roleARN
	if f.identity.roleKey == operatorRoleKey {
		call.roleARN = "(operator credentials)"
	}
	call.region = f.cfg.Region
	e := classifyAWSError(call, err)
	f.metrics.awsCall(call.api, e.Reason)
	if e.Reason == ReasonIdentityRejected {
		f.identity.invalidate()
	}
	return e
}

func (f *fetch) valueKey(i int) valueKey {
	return valueKey{
		role:      f.identity.roleKey,
		region:    f.cfg.Region,
		secretID:  f.entries[i].RemoteRef.SecretID,
		versionID: f.plans[i].versionID,
	}
}

// loadValues makes sure the value of every pending entry's version is cached, and
// returns the entries that still succeed. Versions that are AWSCURRENT are read with
// BatchGetSecretValue when there are two or more, others with GetSecretValue.
func (f *fetch) loadValues(pending []int) []int {
	missing := map[valueKey][]int{}
	var order []valueKey
	for _, i := range pending {
		key := f.valueKey(i)
		if _, ok := f.values.Get(key); ok {
			continue
		}
		if _, seen := missing[key]; !seen {
			order = append(order, key)
		}
		missing[key] = append(missing[key], i)
	}
	if len(order) == 0 {
		return pending
	}
	if err := f.ensureIdentity(); err != nil {
		f.failAll(pending, err)
		return nil
	}

	var current, others []valueKey
	for _, key := range order {
		plan := f.plans[missing[key][0]]
		if plan.describe.stages[stageCurrent] == key.versionID {
			current = append(current, key)
		} else {
			others = append(others, key)
		}
	}
	if len(current) >= 2 {
		others = append(others, f.batchGet(current, missing)...)
	} else {
		others = append(others, current...)
	}
	for _, key := range others {
		f.get(key, missing[key])
	}

	var loaded []int
	for _, i := range pending {
		if f.results[i].Err == nil {
			loaded = append(loaded, i)
		}
	}
	return loaded
}

// batchGet reads current versions in batches of maxBatchSize. It returns the keys
// that GetSecretValue should read instead: all of them when the role may not call
// BatchGetSecretValue, and any version that rotated since DescribeSecret.
func (f *fetch) batchGet(keys []valueKey, missing map[valueKey][]int) []valueKey {
	var retry []valueKey
	for start := 0; start < len(keys); start += maxBatchSize {
		chunk := keys[start:min(start+maxBatchSize, len(keys))]
		ids := make([]string, len(chunk))
		for j, key := range chunk {
			ids[j] = key.secretID
		}
		out, err := f.identity.client.BatchGetSecretValue(f.ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
		if err != nil {
			e := f.awsFailure(awsCall{api: "BatchGetSecretValue", secretID: strings.Join(ids, ", "),
				field: f.plans[missing[chunk[0]][0]].field + ".remoteRef.secretID"}, err)
			if e.Reason == ReasonAccessDenied {
				// Many IAM policies grant GetSecretValue but not BatchGetSecretValue.
				log.FromContext(f.ctx).V(1).Info("BatchGetSecretValue denied, reading secrets one by one",
					"role", f.identity.key.roleARN)
				retry = append(retry, chunk...)
				continue
			}
			for _, key := range chunk {
				f.failAll(missing[key], e)
			}
			continue
		}
		f.metrics.awsCall("BatchGetSecretValue", outcomeSuccess)
		retry = append(retry, f.storeBatch(chunk, missing, out)...)
	}
	return retry
}

func (f *fetch) storeBatch(chunk []valueKey, missing map[valueKey][]int,
	out *secretsmanager.BatchGetSecretValueOutput) []valueKey {
	byID := map[string]valueKey{}
	for _, key := range chunk {
		byID[key.secretID] = key
	}
	found := map[valueKey]bool{}
	for _, value := range out.SecretValues {
		key, ok := f.matchBatchKey(byID, missing, aws.ToString(value.Name), aws.ToString(value.ARN))
		if !ok {
			continue
		}
		returned := key
		returned.versionID = aws.ToString(value.VersionId)
		f.values.Add(returned, &secretValue{text: value.SecretString, binary: value.SecretBinary})
		if returned == key {
			found[key] = true
			f.logNewVersion(key)
		}
	}
	for _, apiErr := range out.Errors {
		key, ok := byID[aws.ToString(apiErr.SecretId)]
		if !ok {
			continue
		}
		cause := &smithy.GenericAPIError{Code: aws.ToString(apiErr.ErrorCode), Message: aws.ToString(apiErr.Message)}
		e := f.awsFailure(awsCall{api: "BatchGetSecretValue", secretID: key.secretID,
			field: f.plans[missing[key][0]].field + ".remoteRef.secretID"}, cause)
		f.failAll(missing[key], e)
		found[key] = true
	}
	var retry []valueKey
	for _, key := range chunk {
		if !found[key] {
			retry = append(retry, key)
		}
	}
	return retry
}

// matchBatchKey finds the requested key of a returned secret, which may have been
// requested by name or by ARN.
func (f *fetch) matchBatchKey(byID map[string]valueKey, missing map[valueKey][]int, name, arn string) (valueKey, bool) {
	for _, id := range []string{name, arn} {
		if key, ok := byID[id]; ok {
			return key, true
		}
	}
	for _, key := range byID {
		desc := f.plans[missing[key][0]].describe
		if desc.name == name || desc.arn == arn {
			return key, true
		}
	}
	return valueKey{}, false
}

func (f *fetch) get(key valueKey, indexes []int) {
	plan := f.plans[indexes[0]]
	field := plan.field + ".remoteRef.secretID"
	if f.entries[indexes[0]].RemoteRef.VersionID != "" {
		field = plan.field + ".remoteRef.versionID"
	}
	out, err := f.identity.client.GetSecretValue(f.ctx, &secretsmanager.GetSecretValueInput{
		SecretId:  aws.String(key.secretID),
		VersionId: aws.String(key.versionID),
	})
	if err != nil {
		f.failAll(indexes, f.awsFailure(awsCall{api: "GetSecretValue", secretID: key.secretID, field: field}, err))
		return
	}
	f.metrics.awsCall("GetSecretValue", outcomeSuccess)
	f.values.Add(key, &secretValue{text: out.SecretString, binary: out.SecretBinary})
	f.logNewVersion(key)
}

func (f *fetch) logNewVersion(key valueKey) {
	log.FromContext(f.ctx).Info("Read secret version from Secrets Manager",
		"secretID", key.secretID, "versionID", key.versionID, "role", f.identity.key.roleARN)
}

// extract copies the entry's selection out of the cached value into its Result.
func (f *fetch) extract(i int) {
	plan := f.plans[i]
	cached, ok := f.values.Get(f.valueKey(i))
	if !ok {
		// The cache evicted the value between loading and extraction, which needs more
		// entries in one Fetch than the cache holds.
		f.results[i].Err = newError(ReasonUnavailable, plan.field,
			"the secret cache is smaller than one instance's entries; raise the operator's cache size")
		f.results[i].Err.Transient = true
		return
	}
	value := cached.(*secretValue)
	secretID := f.entries[i].RemoteRef.SecretID
	data, err := extract(plan.field, secretID, plan.versionID, plan.selection, value)
	if err != nil {
		f.results[i].Err = err
		return
	}
	if size := dataSize(data); size > MaxSecretSize {
		f.results[i].Err = newError(ReasonTooLarge, plan.field,
			"the data from secret %q is %d bytes, more than the %d a Kubernetes Secret may hold; "+
				"select fewer properties", secretID, size, MaxSecretSize)
		return
	}
	f.results[i].Data = data
	f.results[i].VersionID = plan.versionID
	f.results[i].NextRefresh = plan.describe.nextRefresh(refreshInterval(f.entries[i]))
}

// checkSecrets fails entries that write the same key of one Secret, and every entry of
// a Secret whose values together exceed MaxSecretSize.
func checkSecrets(entries []v1alpha1.SecretSync, results []Result) {
	owners := map[string]map[string]string{} // secret name -> key -> entry name
	sizes := map[string]int{}
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			continue
		}
		keys := owners[r.SecretName]
		if keys == nil {
			keys = map[string]string{}
			owners[r.SecretName] = keys
		}
		var collision string
		for key := range r.Data {
			if owner, exists := keys[key]; exists {
				collision = fmt.Sprintf("key %q of Secret %q is also written by entry %q", key, r.SecretName, owner)
				break
			}
		}
		if collision != "" {
			r.Err = newError(ReasonInvalidSpec, entryField(entries[i]),
				"%s; give each entry its own keys or its own Secret", collision)
			r.Data = nil
			continue
		}
		for key := range r.Data {
			keys[key] = r.Name
		}
		sizes[r.SecretName] += dataSize(r.Data)
	}
	for i := range results {
		r := &results[i]
		if r.Err == nil && sizes[r.SecretName] > MaxSecretSize {
			r.Err = newError(ReasonTooLarge, entryField(entries[i])+".secretName",
				"the entries that write Secret %q hold %d bytes together, more than the %d a Kubernetes Secret "+
					"may hold; spread them over more Secrets", r.SecretName, sizes[r.SecretName], MaxSecretSize)
			r.Data = nil
		}
	}
}

func (s *Syncer) recordResults(inst Instance, results []Result) {
	failed := false
	for i := range results {
		if results[i].Err != nil {
			failed = true
			results[i].Data = nil
			results[i].NextRefresh = time.Time{}
			s.metrics.entry(results[i].Err.Reason)
			continue
		}
		s.metrics.entry(outcomeSynced)
	}
	if !failed {
		s.metrics.success(inst.Namespace, inst.Name, float64(s.now().UnixMilli())/1000)
	}
}
