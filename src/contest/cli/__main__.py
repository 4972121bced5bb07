from contest.cli import main

main()
