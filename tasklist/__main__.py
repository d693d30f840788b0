from tasklist.launch import main

main(prog_name="tasklist")
