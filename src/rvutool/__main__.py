from rvutool.entry import main

main()
