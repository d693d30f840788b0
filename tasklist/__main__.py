from tasklist.cli import main

main()
