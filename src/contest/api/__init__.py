"""What the request functions (functions/register, account, info, quiz, submit) run on: the resolver, request
validation, the composition root, the SMS budget and pacing. No numpy, openpyxl or PyYAML."""
