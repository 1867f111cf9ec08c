// progressive enhancement for the team pages (issue 9); every action works without it
