from linli.cli import main

main()
