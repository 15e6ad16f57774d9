from yimen.cli import main

main()
