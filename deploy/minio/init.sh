#!/bin/sh
# One-shot `minio-init` service of deploy/compose.yaml. Safe to run on every start: creates
# the bucket, a policy limited to it, and the access key Aurora uses (not the root user).
set -eu
: "${S3_BUCKET:?}" "${S3_ACCESS_KEY_ID:?}" "${S3_SECRET_ACCESS_KEY:?}"
: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}"

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$S3_BUCKET"

policy=/tmp/aurora-policy.json
cat >"$policy" <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    }
  ]
}
POLICY
mc admin policy create local aurora "$policy" >/dev/null
mc admin user add local "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" >/dev/null
# Detach first so that attaching cannot fail with "already attached" (no grep: the script needs only sh and mc).
mc admin policy detach local aurora --user "$S3_ACCESS_KEY_ID" >/dev/null 2>&1 || true
mc admin policy attach local aurora --user "$S3_ACCESS_KEY_ID" >/dev/null
echo "minio-init: bucket $S3_BUCKET and access key ready"
