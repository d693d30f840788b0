from tasklist.cli import main

main(prog_name="tasklist")
