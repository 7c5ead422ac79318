"""The whole SIKeMas system on one machine, with no AWS account.

`python -m sikemas_local` (`make run`) starts moto in server mode, creates the resources that
`template.yaml` declares, and serves the template's HTTP API routes by calling the same handlers
Lambda runs, with real API Gateway payload 2.0 and SQS events.
"""
