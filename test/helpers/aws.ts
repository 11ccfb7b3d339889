/** SDK clients pointed at an emulator, for setting things up "by hand" in tests. */
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3ControlClient } from '@aws-sdk/client-s3-control';

export function clients(endpoint: string, region = 'us-east-1', account = '111111111111') {
  const common = {
    region,
    endpoint,
    credentials: { accessKeyId: account, secretAccessKey: 'emulator' },
    maxAttempts: 1,
  };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    iam: new IAMClient(common),
    cloudwatch: new CloudWatchClient(common),
    s3control: new S3ControlClient({ ...common, endpointProvider: () => ({ url: new URL(endpoint) }) }),
  };
}
