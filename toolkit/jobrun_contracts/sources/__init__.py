"""Where the schemas come from: recorded source versions, the botocore transcription, the SDK reader, drift."""
