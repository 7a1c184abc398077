"""Common given names and family names of many cultures, combined at random for demo people."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NamePool:
    """Given names and family names that sound natural together."""

    given: tuple[str, ...]
    family: tuple[str, ...]


def _pool(given: str, family: str) -> NamePool:
    return NamePool(tuple(given.split(", ")), tuple(family.split(", ")))


NAME_POOLS: dict[str, NamePool] = {
    "anglo": _pool(
        "Olivia, Liam, Emma, Noah, Charlotte, James, Amelia, Oliver, Sophie, Harry, Grace, Jack, "
        "Chloe, Thomas, Emily, William, Hannah, George, Lucy, Samuel, Megan, Daniel, Rachel, "
        "Matthew, Laura, Andrew, Claire, Ben, Rebecca, Nathan, Kate, Ryan, Abigail, Owen, "
        "Jessica, Ethan, Holly, Lewis, Ruth, Simon, Fiona, Gareth, Naomi, Patrick, Alice",
        "Smith, Taylor, Brown, Wilson, Evans, Thomas, Roberts, Walker, Wright, Thompson, White, "
        "Hughes, Edwards, Green, Hall, Wood, Harris, Clarke, Cooper, Morris, Ward, Turner, "
        "Parker, Bennett, Price, Bailey, Fisher, Carter, Mitchell, Palmer, Shaw, Barnes, "
        "Fletcher, Hayes, Reid, Murray, Ellis, Stevens, Porter, Lawson, Quinn, Doyle, Byrne",
    ),
    "african_american": _pool(
        "Jasmine, Malik, Aaliyah, Darnell, Imani, Andre, Keisha, Marcus, Ebony, Terrence, Tiana, "
        "Jerome, Nia, Dwayne, Simone, Cedric, Monique, Xavier, Latoya, Desmond, Kendra, Jamal",
        "Washington, Robinson, Coleman, Jenkins, Bryant, Freeman, Brooks, Simmons, Henderson, "
        "Patterson, Dawson, Gaines, Holloway, Mack, Sims, Tate, Greer, Pryor, Whitfield, Banks",
    ),
    "hispanic": _pool(
        "Sofía, Mateo, Valentina, Santiago, Camila, Diego, Lucía, Alejandro, Isabella, Javier, "
        "Daniela, Carlos, Mariana, Andrés, Paula, Luis, Gabriela, Miguel, Elena, Pablo, Ximena, "
        "Rodrigo, Carmen, Fernando, Natalia, Sergio, Renata, Emilio, Adriana, Raúl",
        "García, Martínez, López, Hernández, González, Rodríguez, Pérez, Sánchez, Ramírez, "
        "Torres, Flores, Rivera, Gómez, Díaz, Morales, Ortiz, Castillo, Romero, Vargas, Herrera, "
        "Medina, Aguilar, Ruiz, Navarro, Mendoza, Vega, Castro, Rojas, Guerrero, Ramos",
    ),
    "french": _pool(
        "Camille, Louis, Léa, Hugo, Manon, Arthur, Chloé, Jules, Inès, Gabriel, Juliette, Raphaël, "
        "Margaux, Théo, Élise, Antoine, Clémence, Nicolas, Amandine, Mathieu, Pauline, Julien, "
        "Océane, Romain, Anaïs, Baptiste, Sandrine, Olivier, Aurélie, Guillaume",
        "Martin, Bernard, Dubois, Durand, Lefebvre, Moreau, Laurent, Simon, Michel, Leroy, Roux, "
        "David, Bertrand, Morel, Fournier, Girard, Bonnet, Dupont, Lambert, Fontaine, Rousseau, "
        "Vincent, Faure, Blanc, Guérin, Boyer, Garnier, Chevalier, Perrin, Gauthier",
    ),
    "german": _pool(
        "Lena, Lukas, Anna, Jonas, Lea, Felix, Laura, Maximilian, Sophie, Paul, Marie, Leon, "
        "Hannah, Tobias, Julia, Jan, Katharina, Florian, Sarah, Stefan, Miriam, Matthias, "
        "Franziska, Sebastian, Johanna, Niklas, Carolin, Moritz, Theresa, Dominik",
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
        "Koch, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, "
        "Hofmann, Hartmann, Lange, Werner, Krause, Lehmann, Köhler, Maier, Huber, Vogel",
    ),
    "indian": _pool(
        "Aarav, Priya, Rohan, Ananya, Arjun, Kavya, Vikram, Neha, Rahul, Divya, Aditya, Pooja, "
        "Karthik, Sneha, Siddharth, Meera, Nikhil, Shreya, Varun, Lakshmi, Amit, Ishita, Sanjay, "
        "Deepa, Harish, Anjali, Rajesh, Nandini, Suresh, Tanvi",
        "Sharma, Patel, Iyer, Reddy, Nair, Gupta, Singh, Kumar, Menon, Rao, Desai, Joshi, Mehta, "
        "Chatterjee, Banerjee, Pillai, Kulkarni, Agarwal, Verma, Bhat, Krishnan, Naidu, Shah, "
        "Malhotra, Kapoor, Das, Mishra, Subramanian, Saxena, Chopra",
    ),
    "south_asian_muslim": _pool(
        "Ayesha, Hamza, Sana, Bilal, Zara, Imran, Hira, Faisal, Mahnoor, Usman, Maryam, Adnan, "
        "Saima, Kashif, Noor, Danish, Rabia, Asad",
        "Khan, Qureshi, Malik, Siddiqui, Chaudhry, Sheikh, Mirza, Hussain, Raza, Ahmed, Javed, "
        "Iqbal, Abbasi, Rizvi, Haider",
    ),
    "lusophone": _pool(
        "Ana, João, Beatriz, Pedro, Mariana, Lucas, Júlia, Gabriel, Larissa, Rafael, Camila, "
        "Thiago, Fernanda, Bruno, Letícia, Gustavo, Carolina, Felipe, Isabela, Rodrigo, Inês, "
        "Tiago, Rita, Duarte, Leonor",
        "Silva, Santos, Oliveira, Souza, Pereira, Costa, Rodrigues, Almeida, Nascimento, Lima, "
        "Araújo, Fernandes, Carvalho, Gomes, Martins, Rocha, Ribeiro, Alves, Monteiro, Mendes, "
        "Barbosa, Cardoso, Teixeira, Correia, Pinto",
    ),
    "arabic": _pool(
        "Omar, Layla, Youssef, Fatima, Karim, Nour, Ahmed, Yasmin, Khalid, Mariam, Hassan, Salma, "
        "Tariq, Rania, Ali, Huda, Samir, Dina, Bilal, Amira, Rami, Leila, Nabil, Hana, Ziad",
        "Haddad, Khoury, Mansour, Nasser, Saleh, Hamdan, Aziz, Farouk, Rahman, Suleiman, Khalil, "
        "Darwish, Ibrahim, Mahmoud, Qasim, Awad, Bakr, Hijazi, Sabbagh, Najjar, Tamimi, Jaber, "
        "Zaki, Habib, Said",
    ),
    "chinese": _pool(
        "Wei, Fang, Jing, Lei, Xiaoling, Hao, Yan, Jun, Mei, Ying, Tao, Lin, Bo, Xin, Yu, Hui, "
        "Ming, Qian, Rui, Shu, Zhen, Lan, Kai, Yue, Jia",
        "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, He, "
        "Lin, Luo, Gao, Zheng, Liang, Xie, Tang, Han",
    ),
    "japanese": _pool(
        "Haruto, Yui, Sota, Aoi, Ren, Hina, Yuto, Sakura, Takumi, Mio, Kenji, Yuki, Daiki, Emi, "
        "Shota, Naoko, Hiroshi, Ayaka, Kaito, Rina",
        "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, "
        "Yoshida, Yamada, Sasaki, Matsumoto, Inoue, Kimura, Hayashi, Shimizu, Mori, Ikeda",
    ),
    "korean": _pool(
        "Minjun, Seoyeon, Jiho, Jiwoo, Hyun, Soyeon, Junho, Eunji, Dohyun, Yuna, Sungmin, Hana, "
        "Taeyang, Jisoo, Woojin",
        "Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Shin, Seo, Kwon, Hwang",
    ),
    "west_african": _pool(
        "Chiamaka, Oluwaseun, Ngozi, Emeka, Adaeze, Tunde, Funmilayo, Chinedu, Amara, Kwame, "
        "Abena, Yaw, Efua, Kofi, Ifeoma, Babajide, Temitope, Obinna, Zainab, Musa",
        "Okafor, Adeyemi, Okonkwo, Balogun, Eze, Nwosu, Adebayo, Ogunleye, Mensah, Asante, "
        "Boateng, Owusu, Danjuma, Bello, Ibekwe, Olawale, Chukwu, Afolabi, Obi, Agyeman",
    ),
    "east_african": _pool(
        "Wanjiru, Otieno, Achieng, Kamau, Njeri, Mwangi, Akinyi, Amani, Baraka, Zawadi, Juma, "
        "Neema, Halima, Tumaini, Wambui, Kiprono, Nyokabi, Makena, Omondi",
        "Odhiambo, Kariuki, Wanjala, Mutua, Njoroge, Ochieng, Kimani, Mwende, Chebet, Onyango, "
        "Wafula, Achola, Mugo, Nyambura, Korir",
    ),
    "southern_african": _pool(
        "Thandiwe, Sipho, Lerato, Thabo, Nomvula, Bongani, Zanele, Kagiso, Palesa, Mandla, Anika, "
        "Pieter, Riaan, Elna, Johan, Priyanka, Kevin",
        "Dlamini, Nkosi, Mokoena, Ndlovu, Khumalo, Mahlangu, Sithole, Botha, van der Merwe, "
        "Pretorius, Naidoo, Govender, Molefe, Mthembu, Jacobs",
    ),
    "italian": _pool(
        "Giulia, Marco, Francesca, Luca, Chiara, Alessandro, Sara, Matteo, Martina, Davide, Elisa, "
        "Giorgio, Valentina, Simone, Federica, Andrea, Alessia, Lorenzo, Silvia, Riccardo",
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, "
        "Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti",
    ),
    "dutch": _pool(
        "Sanne, Daan, Fleur, Bram, Lotte, Sem, Anouk, Thijs, Eva, Ruben, Iris, Jeroen, Marloes, "
        "Koen, Femke",
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Visser, Smit, Meijer, "
        "de Boer, Mulder, Bos, Vos, Peters, Hendriks",
    ),
    "polish": _pool(
        "Zofia, Jakub, Maja, Kacper, Aleksandra, Piotr, Natalia, Tomasz, Magdalena, Łukasz, "
        "Agnieszka, Michał, Katarzyna, Paweł, Weronika",
        "Nowak, Wójcik, Mazur, Krawczyk, Kaczmarek, Zając, Król, Wieczorek, Adamczyk, Dudek, "
        "Sikora, Baran, Walczak, Michalak, Pawlak",
    ),
    "turkish": _pool(
        "Elif, Mehmet, Zeynep, Emre, Ayşe, Mustafa, Defne, Burak, Merve, Can, Selin, Kerem, Ebru, "
        "Oğuz, Deniz",
        "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, "
        "Doğan, Kılıç, Aslan, Çetin",
    ),
    "nordic": _pool(
        "Astrid, Erik, Maja, Oskar, Elsa, Axel, Ingrid, Nils, Saga, Linnea, Henrik, Sigrid, "
        "Viktor, Freja, Anders",
        "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson, "
        "Gustafsson, Lindberg, Lindqvist, Berg, Holm, Nyström",
    ),
    "filipino": _pool(
        "Maria, Jose, Angelica, Mark, Kristine, Paolo, Jasmine, Carlo, Patricia, Rafael, Bea, "
        "Miguel, Joy, Enrique, Czarina",
        "Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Torres, Villanueva, Dela Cruz, "
        "Ramos, Castillo, Navarro, Salazar, Soriano",
    ),
    "vietnamese": _pool(
        "Linh, Minh, Huong, Tuan, Thao, Duc, Lan, Quang, Mai, Hieu, Trang, Khoa, Ngoc, Bao, Phuong",
        "Nguyen, Tran, Le, Pham, Hoang, Vu, Dang, Bui, Do, Ho, Ngo, Duong, Ly, Phan, Truong",
    ),
    "indonesian": _pool(
        "Putri, Budi, Ayu, Rizky, Siti, Agus, Dewi, Fajar, Intan, Hendra, Nurul, Adi, Sari, "
        "Wahyu, Ratna",
        "Santoso, Wijaya, Pratama, Saputra, Hidayat, Kusuma, Nugroho, Setiawan, Halim, Rahman, "
        "Lestari, Utomo, Gunawan, Hakim, Purnomo",
    ),
}
