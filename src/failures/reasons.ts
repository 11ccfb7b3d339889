/**
 * S3's replication failure reasons (the `failureReason` of a
 * s3:Replication:OperationFailedReplication event): what each means, as the S3
 * User Guide's "Amazon S3 replication failure reasons" table says
 * (docs/aws-behaviour.md, "Replication failure reasons"), and what to do about
 * it in s3repl's terms.
 */
export interface FailureReason {
  meaning: string;
  fix: string;
}

const PERMS = 'check that the replication role s3repl generated is in place (s3repl drift), and for a destination in another account that its bucket policy grants the role (s3repl plan prints the statement)';

export const FAILURE_REASONS: Readonly<Record<string, FailureReason>> = {
  AssumeRoleNotPermitted: {
    meaning: "S3 can't assume the IAM role of the replication configuration or of the Batch Operations job.",
    fix: "the role's trust policy must allow s3.amazonaws.com (and batchoperations.s3.amazonaws.com for retries); run s3repl drift to see whether it was changed, then s3repl apply",
  },
  DstBucketInvalidRegion: {
    meaning: 'The destination bucket is not in the Region the Batch Operations job says (Batch Replication only).',
    fix: "correct the destination bucket's region in buckets: and apply again",
  },
  DstBucketNotFound: {
    meaning: "S3 can't find the destination bucket of the replication configuration.",
    fix: 'create the destination bucket again (or set create: true) and apply; then retry with s3repl retry-failed --from-events',
  },
  DstBucketObjectLockConfigMissing: {
    meaning: 'The source has Object Lock and the destination does not (or might not).',
    fix: 'replicate to a bucket created with Object Lock (buckets.<name>.objectLock: true)',
  },
  DstBucketUnversioned: {
    meaning: 'Versioning is not enabled on the destination bucket.',
    fix: "enable versioning on the destination again (s3repl apply restores it for buckets it manages), then retry",
  },
  DstDelObjNotPermitted: {
    meaning: 'S3 could not replicate a delete marker: s3:ReplicateDelete might be missing for the destination.',
    fix: PERMS,
  },
  DstKmsKeyInvalidState: {
    meaning: "The destination's AWS KMS key is not in a valid state (disabled or pending deletion).",
    fix: 'enable the replica KMS key (or cancel its deletion), then retry',
  },
  DstKmsKeyNotFound: {
    meaning: 'The AWS KMS key configured for the destination does not exist.',
    fix: 'point encryption.replicaKmsKey at an existing key and apply, then retry',
  },
  DstMultipartCompleteNotPermitted: {
    meaning: 'S3 could not complete multipart uploads in the destination: s3:ReplicateObject might be missing.',
    fix: PERMS,
  },
  DstMultipartInitNotPermitted: {
    meaning: 'S3 could not start multipart uploads in the destination: s3:ReplicateObject might be missing.',
    fix: PERMS,
  },
  DstMultipartUploadNotPermitted: {
    meaning: 'S3 could not upload multipart objects to the destination: s3:ReplicateObject might be missing.',
    fix: PERMS,
  },
  DstMultipartPartUploadNotPermitted: {
    meaning: 'S3 could not upload multipart objects to the destination: s3:ReplicateObject might be missing (older name of DstMultipartUploadNotPermitted).',
    fix: PERMS,
  },
  DstObjectHardDeleted: {
    meaning: 'Batch Replication cannot replicate again an object whose version was deleted from the destination (Batch Replication only).',
    fix: 'nothing to retry for this version: copy it by hand if it is still needed',
  },
  DstPutAclNotPermitted: {
    meaning: 'S3 could not replicate object ACLs to the destination: s3:ReplicateObject might be missing.',
    fix: PERMS,
  },
  DstPutLegalHoldNotPermitted: {
    meaning: 'S3 could not put an Object Lock legal hold on the replica: s3:PutObjectLegalHold might be missing for the destination.',
    fix: "grant s3:PutObjectLegalHold on the destination to the replication role, then retry",
  },
  DstPutObjectNotPermitted: {
    meaning: "S3 could not write the replica: s3:ReplicateObject or s3:ObjectOwnerOverrideToBucketOwner is missing for the destination, or the replica KMS key's policy does not let the role use the key.",
    fix: `${PERMS}; with SSE-KMS, the replica key's policy must allow the role kms:Encrypt/GenerateDataKey*`,
  },
  DstPutRetentionNotPermitted: {
    meaning: 'S3 could not put a retention period on the replica: s3:PutObjectRetention might be missing for the destination.',
    fix: 'grant s3:PutObjectRetention on the destination to the replication role, then retry',
  },
  DstPutTaggingNotPermitted: {
    meaning: 'S3 could not replicate object tags to the destination: s3:ReplicateObject might be missing.',
    fix: PERMS,
  },
  DstVersionNotFound: {
    meaning: 'S3 could not find the object version in the destination whose metadata it had to replicate.',
    fix: 'the replica was deleted from the destination: retry to replicate the object again',
  },
  InitiateReplicationNotPermitted: {
    meaning: 'S3 could not initiate replication: the Batch Operations job lacks s3:InitiateReplication (Batch Replication only).',
    fix: "the role s3repl generates grants it; for a role you manage, add s3:InitiateReplication on the source's objects",
  },
  SrcBucketInvalidRegion: {
    meaning: 'The source bucket is not in the Region the Batch Operations job says (Batch Replication only).',
    fix: "correct the source bucket's region in buckets:",
  },
  SrcBucketNotFound: {
    meaning: "S3 can't find the source bucket.",
    fix: 'the source bucket is gone: nothing to retry',
  },
  SrcBucketReplicationConfigMissing: {
    meaning: "S3 couldn't find a replication configuration for the source bucket.",
    fix: 's3repl apply to put the replication configuration back (s3repl drift shows it vanished), then retry',
  },
  SrcGetAclNotPermitted: {
    meaning: "S3 could not read the source object's ACL: s3:GetObjectVersionAcl might be missing, or the bucket owner does not own the object.",
    fix: 'set Object Ownership of the source to bucket owner enforced (or grant the role s3:GetObjectVersionAcl), then retry',
  },
  SrcGetLegalHoldNotPermitted: {
    meaning: "S3 could not read the source object's Object Lock legal hold.",
    fix: 'grant the replication role s3:GetObjectLegalHold on the source, then retry',
  },
  SrcGetObjectNotPermitted: {
    meaning: 'S3 could not read the source object: s3:GetObjectVersionForReplication might be missing for the source.',
    fix: PERMS,
  },
  SrcGetRetentionNotPermitted: {
    meaning: "S3 could not read the source object's Object Lock retention period.",
    fix: 'grant the replication role s3:GetObjectRetention on the source, then retry',
  },
  SrcGetTaggingNotPermitted: {
    meaning: "S3 could not read the source object's tags: s3:GetObjectVersionTagging might be missing.",
    fix: PERMS,
  },
  SrcHeadObjectNotPermitted: {
    meaning: "S3 could not read the source object's metadata: s3:GetObjectVersionForReplication might be missing.",
    fix: PERMS,
  },
  SrcKeyNotFound: {
    meaning: 'S3 could not find the source object key: it may have been deleted before replication finished.',
    fix: 'nothing to retry if the object was deleted on purpose',
  },
  SrcKmsKeyInvalidState: {
    meaning: "The source's AWS KMS key is not in a valid state.",
    fix: 'enable the source KMS key (or cancel its deletion), then retry',
  },
  SrcObjectNotEligible: {
    meaning: "The object is not eligible for replication (its storage class, or its tags don't match the rule).",
    fix: "nothing to retry unless the rule's filter should cover it",
  },
  SrcObjectNotFound: {
    meaning: 'The source object does not exist.',
    fix: 'nothing to retry',
  },
  SrcReplicationNotPending: {
    meaning: 'S3 has already replicated this object: it is no longer pending replication.',
    fix: 'nothing to retry',
  },
  SrcVersionNotFound: {
    meaning: 'S3 could not find the source object version: it may have been deleted before replication finished.',
    fix: 'nothing to retry if the version was deleted on purpose',
  },
};

/** The meaning and fix of a reason; one S3 does not document (or none given) is said to be unknown. */
export function explainReason(reason: string | null): FailureReason {
  if (!reason) return { meaning: 'The event carries no failure reason.', fix: 'check the replication configuration and the destination, then retry' };
  return (
    FAILURE_REASONS[reason.trim()] ?? {
      meaning: `"${reason}" is not in the list of failure reasons S3 documents.`,
      fix: 'see the S3 User Guide, "Amazon S3 replication failure reasons"; retry once the cause is fixed',
    }
  );
}
