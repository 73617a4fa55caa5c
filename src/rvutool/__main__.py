from rvutool.cli.main import main

main()
