"""Access keys per sandbox and the "Connect a client" page: how a learner points the AWS
CLI or boto3 at their own sandbox (the endpoint itself is ``simulator.s3api``)."""
