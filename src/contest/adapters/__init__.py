"""The outside world other than DynamoDB: the environment (config), logs, SMS channels, S3 or local folders,
secrets. Each imports its AWS library on first use."""
